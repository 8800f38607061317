namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// A scripts directory for the dashboard specs: the gateway's example modules (<c>text</c>, <c>math</c>) and the
/// test module <c>faults</c> (timeouts, script errors), copied into a fresh temporary folder.
/// </summary>
public sealed class DashboardModules : IDisposable
{
    public DashboardModules()
    {
        Directory.CreateDirectory(Path);
        foreach (var file in System.IO.Directory.EnumerateFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "scripts")).Append(System.IO.Path.Combine(GatewayHost.ModulesDirectory, "faults.mjs")))
        {
            File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)));
        }
    }

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actorpool-dashboard-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
