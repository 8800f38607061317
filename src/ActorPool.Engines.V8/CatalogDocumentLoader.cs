using Microsoft.ClearScript;

namespace ActorPool.Engines.V8;

/// <summary>
/// Resolves the module specifiers of one engine: only modules the pool loaded into that engine, by name. A
/// script's own <c>import</c> of anything else (files, URLs, other modules) fails: modules come from the pool's
/// catalog, and nothing on the host's disk or network is reachable from a script.
/// </summary>
internal sealed class CatalogDocumentLoader : DocumentLoader
{
    private readonly Dictionary<string, Document> _documents = new(StringComparer.Ordinal);

    public void Add(string name, Document document) => _documents[name] = document;

    public override Document LoadDocument(DocumentSettings settings, DocumentInfo? sourceInfo, string specifier, DocumentCategory category, DocumentContextCallback contextCallback) =>
        _documents.TryGetValue(specifier, out var document)
            ? document
            : throw new InvalidOperationException($"module '{specifier}' cannot be imported: a pool loads modules by name, scripts cannot import");

    public override Task<Document> LoadDocumentAsync(DocumentSettings settings, DocumentInfo? sourceInfo, string specifier, DocumentCategory category, DocumentContextCallback contextCallback) =>
        Task.FromResult(LoadDocument(settings, sourceInfo, specifier, category, contextCallback));
}
