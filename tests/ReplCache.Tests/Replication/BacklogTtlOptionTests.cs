using Microsoft.Extensions.Options;
using ReplCache.Resp.Directives;

namespace ReplCache.Tests.Replication;

/// <summary>BacklogTtl, Redis's <c>repl-backlog-ttl</c>: the option, its validation and its redis.conf directive.</summary>
public sealed class BacklogTtlOptionTests
{
    [Fact]
    public void Default_IsAnHour_AsRedis() => Assert.Equal(TimeSpan.FromSeconds(3600), new ReplicatedCacheOptions().BacklogTtl);

    [Fact]
    public async Task ANegativeTtl_IsRefusedAtStart_NamingTheSetting()
    {
        var options = new ReplicatedCacheOptions { BacklogTtl = TimeSpan.FromSeconds(-1) };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions.BacklogTtl must be zero (the backlog is never freed) or positive", error.Message);
        Assert.Contains("(was '-00:00:01')", error.Message);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("3600", 3600)]
    public void TheDirective_SetsTheOption_InSeconds(string value, int seconds)
    {
        Directive directive = Assert.IsAssignableFrom<Directive>(DirectiveTable.Find("repl-backlog-ttl"));
        Assert.True(directive.SetAtRuntime, "CONFIG SET repl-backlog-ttl, as Redis allows");
        var values = new DirectiveValues();
        directive.Apply(new DirectiveArguments([value], problem => new InvalidOperationException(problem)), values);
        var options = new ReplicatedCacheOptions();
        directive.ApplyToOptions(values, options);
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.BacklogTtl);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public void TheDirective_RefusesAValueOutsideRedissRange(string value) =>
        Assert.Throws<InvalidOperationException>(() =>
            ReplicationDirectives.BacklogTtl.Apply(new DirectiveArguments([value], problem => new InvalidOperationException(problem)), new DirectiveValues()));
}
