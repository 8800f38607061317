namespace ActorPool.Gateway.Tests;

/// <summary>The gateway caps glibc's malloc arenas at start, unless the environment does (docs/deploy.md, "Memory").</summary>
public sealed class NativeHeapSpec
{
    [Fact]
    public void NativeHeap_should_cap_the_arenas_through_glibc_and_leave_an_environment_setting_alone()
    {
        var before = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX");
        try
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", null);
            Assert.True(NativeHeap.CapArenas(), "mallopt(M_ARENA_MAX) was refused or not found (the tests run on Linux with glibc)");

            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", "4");
            Assert.False(NativeHeap.CapArenas());
        }
        finally
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", before);
        }
    }
}
