using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ActorPool.Cluster.Tests;

/// <summary>
/// Akka.Discovery.KubernetesApi 1.5.73 was built against KubernetesClient 17.0.14, which is not served to this
/// project; Directory.Packages.props pins 19.0.2. No Kubernetes API server is reachable from the tests, so this spec
/// checks the binding itself: every KubernetesClient method, constructor and field the discovery assembly calls
/// exists in the pinned version with the same name and parameter types (else the lookup would fail with
/// MissingMethodException on first use in a cluster).
/// </summary>
public sealed class KubernetesClientCompatibilitySpec
{
    [Fact]
    public void Every_KubernetesClient_member_the_Kubernetes_discovery_calls_should_exist_in_the_pinned_version()
    {
        var discovery = typeof(Akka.Discovery.KubernetesApi.KubernetesApiServiceDiscovery).Assembly;
        var client = typeof(k8s.Kubernetes).Assembly;
        using var stream = File.OpenRead(discovery.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new TypeNames(md);
        var missing = new List<string>();
        var checkedCount = 0;
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue; // generic instantiations and the like; their open members are checked through the plain references
            }

            var parent = md.GetTypeReference((TypeReferenceHandle)member.Parent);
            var typeName = names.Of(parent);
            var type = client.GetType(typeName);
            if (type is null)
            {
                continue; // not a KubernetesClient type
            }

            checkedCount++;
            var name = md.GetString(member.Name);
            if (member.GetKind() == MemberReferenceKind.Field)
            {
                if (type.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static) is null)
                {
                    missing.Add($"{typeName}.{name} (field)");
                }

                continue;
            }

            var signature = member.DecodeMethodSignature(names, null);
            var wanted = signature.ParameterTypes;
            var candidates = name == ".ctor"
                ? type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Cast<MethodBase>()
                : type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == name);
            if (!candidates.Any(m => m.GetParameters().Select(p => Simple(p.ParameterType)).SequenceEqual(wanted)))
            {
                missing.Add($"{typeName}.{name}({string.Join(", ", wanted)})");
            }
        }

        Assert.True(checkedCount > 0, "the discovery assembly references no KubernetesClient member: the check saw nothing");
        Assert.True(missing.Count == 0, "missing in KubernetesClient " + client.GetName().Version + ":\n" + string.Join('\n', missing));
    }

    /// <summary>A type's name as the signature decoder below writes it: namespace-qualified, generic arity kept, arguments dropped.</summary>
    private static string Simple(Type type) => type switch
    {
        { IsByRef: true } => Simple(type.GetElementType()!) + "&",
        { IsArray: true } => Simple(type.GetElementType()!) + "[]",
        { IsGenericMethodParameter: true } => "!!" + type.GenericParameterPosition.ToString(System.Globalization.CultureInfo.InvariantCulture),
        { IsGenericParameter: true } => "!" + type.GenericParameterPosition.ToString(System.Globalization.CultureInfo.InvariantCulture),
        { IsGenericType: true } => type.GetGenericTypeDefinition().FullName!,
        _ => type.FullName ?? type.Name,
    };

    /// <summary>Decodes signature types into the names <see cref="Simple"/> makes.</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Of(TypeReference reference)
        {
            var name = md.GetString(reference.Name);
            if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return Of(md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope)) + "+" + name;
            }

            var ns = md.GetString(reference.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.Void => "System.Void",
            PrimitiveTypeCode.Boolean => "System.Boolean",
            PrimitiveTypeCode.Char => "System.Char",
            PrimitiveTypeCode.SByte => "System.SByte",
            PrimitiveTypeCode.Byte => "System.Byte",
            PrimitiveTypeCode.Int16 => "System.Int16",
            PrimitiveTypeCode.UInt16 => "System.UInt16",
            PrimitiveTypeCode.Int32 => "System.Int32",
            PrimitiveTypeCode.UInt32 => "System.UInt32",
            PrimitiveTypeCode.Int64 => "System.Int64",
            PrimitiveTypeCode.UInt64 => "System.UInt64",
            PrimitiveTypeCode.Single => "System.Single",
            PrimitiveTypeCode.Double => "System.Double",
            PrimitiveTypeCode.String => "System.String",
            PrimitiveTypeCode.Object => "System.Object",
            PrimitiveTypeCode.IntPtr => "System.IntPtr",
            PrimitiveTypeCode.UIntPtr => "System.UIntPtr",
            PrimitiveTypeCode.TypedReference => "System.TypedReference",
            _ => typeCode.ToString(),
        };

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Of(reader.GetTypeReference(handle));

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var definition = reader.GetTypeDefinition(handle);
            var ns = reader.GetString(definition.Namespace);
            var name = reader.GetString(definition.Name);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[]";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType;

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
