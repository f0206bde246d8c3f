namespace ReplCache.Replication;

/// <summary>How many secondaries count as good for <see cref="ReplicatedCacheOptions.MinReplicasToWrite"/>; kept by the primary side.</summary>
internal interface IGoodReplicaCount
{
    /// <summary>
    /// Secondaries that are online (past their full sync) and were heard from within
    /// <see cref="ReplicatedCacheOptions.MinReplicasMaxLag"/> — Redis's "good replicas".
    /// </summary>
    int CountGoodReplicas();
}
