using ActorPool.Protocol;
using ActorPool.Serialization;

namespace ActorPool.Tests.Serialization;

public sealed class PayloadLimitSpec
{
    private const long Limit = 10_000;

    [Fact]
    public void PayloadLimit_should_let_a_message_at_the_limit_pass_and_report_the_size_of_one_over_it()
    {
        var overhead = PoolMessageSerializer.ComputeSize(new RunScript("t", "m", "f", string.Empty));
        // The overhead counts a one-byte length prefix; 128 .. 16383 bytes of arguments need a second byte.
        var atLimit = new RunScript("t", "m", "f", new string('a', (int)Limit - overhead - 1));
        var overLimit = atLimit with { ArgsJson = atLimit.ArgsJson + "é" };

        Assert.Equal(Limit, PoolMessageSerializer.ComputeSize(atLimit));
        Assert.Null(PayloadLimit.Oversize(atLimit, Limit));
        Assert.Equal((int)Limit + 2, PayloadLimit.Oversize(overLimit, Limit));
    }

    [Fact]
    public void PayloadLimit_should_turn_a_result_over_the_limit_into_an_InvalidRequest_failure_that_names_the_key()
    {
        var reply = PayloadLimit.Fit(new ScriptSucceeded("t-9", "\"" + new string('x', 20_000) + "\""), Limit);

        var failed = Assert.IsType<ScriptFailed>(reply);
        Assert.Equal("t-9", failed.TaskId);
        Assert.Equal(FailureKind.InvalidRequest, failed.Kind);
        Assert.Contains("actor-pool.remote.max-payload", failed.Message, StringComparison.Ordinal);
        Assert.Null(PayloadLimit.Oversize(failed, Limit));
    }

    [Fact]
    public void PayloadLimit_should_keep_the_kind_of_a_failure_over_the_limit_and_cut_its_details_and_message()
    {
        var huge = new ScriptFailed("t-1", FailureKind.ScriptError, new string('m', 30_000), new string('d', 30_000));

        var fitted = Assert.IsType<ScriptFailed>(PayloadLimit.Fit(huge, Limit));

        Assert.Equal(FailureKind.ScriptError, fitted.Kind);
        Assert.StartsWith("mmmm", fitted.Message, StringComparison.Ordinal);
        Assert.Contains("left out", fitted.Details, StringComparison.Ordinal);
        Assert.Null(PayloadLimit.Oversize(fitted, Limit));
    }

    [Fact]
    public void PayloadLimit_should_return_a_reply_that_fits_unchanged()
    {
        var reply = new ScriptSucceeded("t-1", "[1,2,3]");

        Assert.Same(reply, PayloadLimit.Fit(reply, Limit));
    }
}
