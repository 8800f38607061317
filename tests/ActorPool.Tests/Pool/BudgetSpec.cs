using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

public sealed class BudgetSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task PoolSupervisor_should_replace_a_worker_after_exactly_its_budget_of_tasks()
    {
        var started = new System.Collections.Concurrent.ConcurrentQueue<(string Worker, int Count, int Budget)>();
        await using var pool = StartPool(Settings(workers: 1, budget: 3), observer: new DelegatingObserver
        {
            OnTaskStarted = (worker, _, count, budget) => started.Enqueue((worker, count, budget)),
        });

        var counters = new List<int>();
        for (var i = 0; i < 9; i++)
        {
            counters.Add((await pool.RunAsync("basic", "increment", "[]")).As<int>());
        }

        // The module counter lives in the engine: it restarts at 1 exactly every 3 tasks.
        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3], counters);
        var perWorker = started.GroupBy(s => s.Worker).Select(g => g.Count()).ToList();
        Assert.Equal([3, 3, 3], perWorker);
        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(3, stats.Retirements[RetirementReason.Budget]);
    }

    [Fact]
    public async Task PoolSupervisor_should_answer_1000_concurrent_tasks_at_budget_7_without_losing_any_across_retirements()
    {
        var overBudget = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using var pool = StartPool(Settings(workers: 2, budget: 7) with { BudgetJitter = 0.3 }, observer: new DelegatingObserver
        {
            OnTaskStarted = (worker, task, count, budget) =>
            {
                if (count > budget)
                {
                    overBudget.Add($"{worker} ran {task} as task {count} of budget {budget}");
                }
            },
        });

        var calls = Enumerable.Range(0, 1000).Select(i => pool.RunAsync("basic", "add", $"[{i}, 1]")).ToList();
        var results = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(1, 1000), results.Select(r => r.As<int>()));
        Assert.Empty(overBudget);
        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(1000, stats.Succeeded);
        Assert.True(stats.Retirements[RetirementReason.Budget] >= 1000 / 10, $"expected many budget retirements, got {stats.Retirements[RetirementReason.Budget]}");
    }
}
