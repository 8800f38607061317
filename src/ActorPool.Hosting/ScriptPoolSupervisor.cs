namespace ActorPool.Hosting;

/// <summary>
/// The <see cref="Akka.Hosting.ActorRegistry"/> key of the pool supervisor started by <c>WithScriptPool</c>:
/// <c>registry.Get&lt;ScriptPoolSupervisor&gt;()</c> returns it.
/// </summary>
public sealed class ScriptPoolSupervisor
{
    private ScriptPoolSupervisor()
    {
    }
}
