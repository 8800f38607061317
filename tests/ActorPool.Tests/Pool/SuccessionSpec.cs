using ActorPool.Pool;

namespace ActorPool.Tests.Pool;

/// <summary>The respawn-ahead policy alone: when a worker's successor starts, from measured engine start and task times.</summary>
public sealed class SuccessionSpec
{
    [Fact]
    public void Succession_should_start_no_successor_ahead_until_engine_starts_and_tasks_are_measured()
    {
        var succession = new Succession();
        succession.TaskRan(TimeSpan.FromMilliseconds(10));

        Assert.Equal(0, succession.Ahead(10));
        Assert.False(succession.StartsSuccessor(budget: 10, dispatched: 9));
    }

    [Fact]
    public void Succession_should_start_the_successor_as_many_tasks_ahead_as_an_engine_start_is_worth()
    {
        var succession = new Succession();
        succession.EngineStarted(TimeSpan.FromMilliseconds(30));
        succession.TaskRan(TimeSpan.FromMilliseconds(10));

        Assert.Equal(3, succession.Ahead(10));
        Assert.False(succession.StartsSuccessor(budget: 10, dispatched: 6));
        Assert.True(succession.StartsSuccessor(budget: 10, dispatched: 7));
        Assert.True(succession.StartsSuccessor(budget: 10, dispatched: 9));
    }

    [Fact]
    public void Succession_should_leave_the_last_task_to_a_plain_replacement()
    {
        var succession = new Succession();
        succession.EngineStarted(TimeSpan.FromMilliseconds(30));
        succession.TaskRan(TimeSpan.FromMilliseconds(10));

        Assert.False(succession.StartsSuccessor(budget: 10, dispatched: 10));
    }

    [Fact]
    public void Succession_should_never_start_a_successor_before_the_first_task_of_a_budget_ran()
    {
        var succession = new Succession();
        succession.EngineStarted(TimeSpan.FromSeconds(1));
        succession.TaskRan(TimeSpan.FromMilliseconds(1));

        Assert.Equal(4, succession.Ahead(5));
        Assert.False(succession.StartsSuccessor(budget: 5, dispatched: 0));
        Assert.True(succession.StartsSuccessor(budget: 5, dispatched: 1));
        Assert.Equal(0, succession.Ahead(1));
    }

    [Fact]
    public void Succession_should_follow_moving_averages_of_what_it_measures()
    {
        var succession = new Succession();
        succession.EngineStarted(TimeSpan.FromMilliseconds(30));
        succession.TaskRan(TimeSpan.FromMilliseconds(10));
        succession.TaskRan(TimeSpan.FromMilliseconds(60));

        // Task average 0.8 * 10 + 0.2 * 60 = 20 ms: an engine start is worth two tasks now.
        Assert.Equal(2, succession.Ahead(10));
    }
}
