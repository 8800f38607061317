using System.Reflection;

namespace ActorPool.Engines.Tests;

/// <summary>The core library's public API is engine-neutral, and the core never references V8.</summary>
public sealed class PublicSurfaceSpec
{
    private static readonly string[] s_engineNamespaces = ["Jint", "Acornima", "Microsoft.ClearScript"];

    [Fact]
    public void Core_public_api_should_expose_no_engine_types()
    {
        var leaks = new List<string>();
        foreach (var type in typeof(IScriptEngine).Assembly.GetExportedTypes())
        {
            if (type.BaseType is { } baseType && IsEngineType(baseType))
            {
                leaks.Add($"{type.FullName} : {baseType}");
            }

            const BindingFlags Visible = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(Visible))
            {
                var exposed = member switch
                {
                    MethodBase { IsPublic: true } or MethodBase { IsFamily: true } or MethodBase { IsFamilyOrAssembly: true } => Signature((MethodBase)member),
                    PropertyInfo property when property.GetMethod is { IsPublic: true } or { IsFamily: true } => [property.PropertyType],
                    FieldInfo { IsPublic: true } or FieldInfo { IsFamily: true } => [((FieldInfo)member).FieldType],
                    _ => [],
                };
                leaks.AddRange(exposed.Where(IsEngineType).Select(t => $"{type.FullName}.{member.Name} exposes {t}"));
            }
        }

        Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks));
    }

    [Fact]
    public void Core_library_should_not_reference_ClearScript()
    {
        var references = typeof(IScriptEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty);

        Assert.DoesNotContain(references, name => name.Contains("ClearScript", StringComparison.OrdinalIgnoreCase));
    }

    private static IEnumerable<Type> Signature(MethodBase method) =>
        method.GetParameters().Select(p => p.ParameterType).Concat(method is MethodInfo m ? [m.ReturnType] : []);

    private static bool IsEngineType(Type type) =>
        (type.Namespace is { } ns && s_engineNamespaces.Any(prefix => ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal)))
        || (type.IsGenericType && type.GetGenericArguments().Any(IsEngineType))
        || (type.HasElementType && IsEngineType(type.GetElementType()!));
}
