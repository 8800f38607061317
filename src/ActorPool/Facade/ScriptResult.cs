using System.Text.Json;

namespace ActorPool;

/// <summary>The value a script function returned, as JSON.</summary>
/// <param name="TaskId">The id of the task.</param>
/// <param name="Json">The JSON text of the value (<c>null</c> for <c>undefined</c>).</param>
public sealed record ScriptResult(string TaskId, string Json)
{
    /// <summary>Deserializes the value with System.Text.Json.</summary>
    public T? As<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Json, options);

    /// <summary>The value as a <see cref="JsonElement"/>.</summary>
    public JsonElement AsElement() => JsonDocument.Parse(Json).RootElement.Clone();
}
