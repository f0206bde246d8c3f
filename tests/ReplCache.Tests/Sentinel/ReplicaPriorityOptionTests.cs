using Microsoft.Extensions.Options;
using ReplCache.Resp.Directives;

namespace ReplCache.Tests.Sentinel;

/// <summary>ReplicaPriority, Sentinel's <c>slave_priority</c>: the option, its validation and its redis.conf directive.</summary>
public sealed class ReplicaPriorityOptionTests
{
    [Fact]
    public void Default_Is100_AsRedis() => Assert.Equal(100, new ReplicatedCacheOptions().ReplicaPriority);

    [Fact]
    public async Task ANegativePriority_IsRefusedAtStart_NamingTheSetting()
    {
        var options = new ReplicatedCacheOptions { ReplicaPriority = -1 };
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedCacheNode.StartAsync(options));
        Assert.Contains("ReplicatedCacheOptions.ReplicaPriority must be 0 (never promoted by Sentinel) or more (was '-1').", error.Message);
    }

    [Theory]
    [InlineData("replica-priority")]
    [InlineData("SLAVE-PRIORITY")]
    public void TheDirective_AndItsOldName_SetTheOption(string name)
    {
        Directive directive = Assert.IsAssignableFrom<Directive>(DirectiveTable.Find(name));
        Assert.Same(ReplicationDirectives.ReplicaPriority, directive);
        var values = new DirectiveValues();
        directive.Apply(new DirectiveArguments(["0"], problem => new InvalidOperationException(problem)), values);
        var options = new ReplicatedCacheOptions();
        directive.ApplyToOptions(values, options);
        Assert.Equal(0, options.ReplicaPriority);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2147483648")]
    [InlineData("high")]
    public void TheDirective_RefusesAValueOutsideRedissRange(string value)
    {
        var values = new DirectiveValues();
        Assert.Throws<InvalidOperationException>(() =>
            ReplicationDirectives.ReplicaPriority.Apply(new DirectiveArguments([value], problem => new InvalidOperationException(problem)), values));
    }
}
