using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorPool.Telemetry;

namespace ActorPool.Bench;

/// <summary>One measured window: throughput plus what it cost the whole process.</summary>
/// <param name="Rate">Tasks (or calls) per second.</param>
/// <param name="CpuMicrosPerTask">Process CPU time (all threads) per task, in microseconds.</param>
/// <param name="CoresBusy">Average cores the process kept busy (CPU time / wall time).</param>
/// <param name="BytesPerTask">Managed bytes allocated per task (whole process).</param>
/// <param name="RunMillis">The pool's mean <c>actorpool.task.run</c> (hand-over to answer, supervisor's view); NaN for raw runs.</param>
/// <param name="Failures">Tasks that failed.</param>
internal sealed record Sample(double Rate, double CpuMicrosPerTask, double CoresBusy, double BytesPerTask, double RunMillis, long Failures);

/// <summary>Captures process CPU, allocations and the pool's run-time histogram over a window.</summary>
internal sealed class Probe : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly MeterListener _listener = new();
    private TimeSpan _cpu;
    private long _bytes;
    private long _start;
    private double _runSum;
    private long _runCount;

    public Probe()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PoolMetrics.MeterName && instrument.Name == "actorpool.task.run")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            // Recorded on the supervisor's thread only, so no lock.
            _runSum += value;
            _runCount++;
        });
        _listener.Start();
    }

    public void Start()
    {
        _process.Refresh();
        _cpu = _process.TotalProcessorTime;
        _bytes = GC.GetTotalAllocatedBytes(precise: false);
        Volatile.Write(ref _runCount, 0);
        Volatile.Write(ref _runSum, 0);
        _start = Stopwatch.GetTimestamp();
    }

    public Sample Stop(long tasks, long failures)
    {
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        _process.Refresh();
        var cpu = (_process.TotalProcessorTime - _cpu).TotalSeconds;
        var bytes = GC.GetTotalAllocatedBytes(precise: false) - _bytes;
        var count = Volatile.Read(ref _runCount);
        var run = count == 0 ? double.NaN : Volatile.Read(ref _runSum) / count;
        tasks = Math.Max(1, tasks);
        return new Sample(tasks / wall, cpu * 1e6 / tasks, cpu / wall, (double)bytes / tasks, run, failures);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _process.Dispose();
    }
}
