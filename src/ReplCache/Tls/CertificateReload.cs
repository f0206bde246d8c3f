using Microsoft.Extensions.Logging;

namespace ReplCache.Tls;

/// <summary>
/// Watches the files a node's TLS material comes from (<see cref="ReplicatedCacheTlsOptions.CertificatePath"/>,
/// <see cref="ReplicatedCacheTlsOptions.KeyPath"/>, <see cref="ReplicatedCacheTlsOptions.CaCertificatePath"/>) and
/// loads them again when one changes, so a renewed certificate is served without a restart.
/// </summary>
/// <remarks>
/// It polls each file's size and last write time every <see cref="ReplicatedCacheTlsOptions.ReloadInterval"/> rather
/// than relying on file-system events, which miss the symbolic-link swap a Kubernetes secret update is. A change that
/// does not load — a certificate written before its key, a file half-copied — is logged and the current material
/// kept; the next change (the key arriving) is tried again.
/// </remarks>
internal sealed partial class CertificateReload : IDisposable
{
    private readonly ReplicatedCacheTlsOptions _options;
    private readonly TlsContext _context;
    private readonly ILogger _logger;
    private readonly string _nodeId;
    private readonly string[] _files;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private (long Length, DateTime Written)[] _seen;
    private int _reloads;
    private bool _disposed;

    private CertificateReload(ReplicatedCacheOptions options, TlsContext context, ILogger logger, string nodeId, string[] files)
    {
        _options = options.Tls;
        _context = context;
        _logger = logger;
        _nodeId = nodeId;
        _files = files;
        _seen = Stamp(files);
        TimeSpan interval = options.Tls.ReloadInterval;
        _timer = options.TimeProvider.CreateTimer(static s => ((CertificateReload)s!).Check(), this, interval, interval);
    }

    /// <summary>Certificates loaded since start because their files changed.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>A watcher of the files the options name; null when they name none or reloading is off.</summary>
    public static CertificateReload? Start(ReplicatedCacheOptions options, TlsContext context, ILogger logger, string nodeId)
    {
        ReplicatedCacheTlsOptions tls = options.Tls;
        string[] files = new[] { tls.CertificatePath, tls.KeyPath, tls.CaCertificatePath }.OfType<string>().Distinct().ToArray();
        return files.Length == 0 || tls.ReloadInterval <= TimeSpan.Zero ? null : new CertificateReload(options, context, logger, nodeId, files);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    /// <summary>One poll: reloads when any file's stamp moved since the last attempt.</summary>
    internal void Check()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            (long, DateTime)[] now = Stamp(_files);
            if (now.AsSpan().SequenceEqual(_seen))
            {
                return;
            }

            _seen = now;
            try
            {
                TlsMaterial material = TlsMaterial.Load(_options);
                _context.Replace(material, _nodeId);
                Interlocked.Increment(ref _reloads);
                Log.Reloaded(_logger, _nodeId, material.Certificate?.Subject ?? "(none)", material.Certificate?.Thumbprint ?? "", material.Certificate?.NotAfter ?? default);
            }
            catch (InvalidOperationException ex)
            {
                Log.ReloadFailed(_logger, _nodeId, ex.Message);
            }
        }
    }

    /// <summary>Size and last write time of each file; a missing file is (-1, MinValue), a change like any other.</summary>
    private static (long Length, DateTime Written)[] Stamp(string[] files) => Array.ConvertAll(files, static path =>
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (-1L, DateTime.MinValue);
    });
}
