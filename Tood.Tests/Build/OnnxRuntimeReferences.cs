using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Tood.Tests.Build;

/// <summary>
/// What a compiled assembly uses of the managed ONNX Runtime API (assembly Microsoft.ML.OnnxRuntime), read from
/// its metadata with System.Reflection.Metadata: every type reference ("T Namespace.Type") and every member
/// reference ("M Type::Name(ParamType, ...) : ReturnType"; fields "F Type::Name : Type"). Constants (enum values)
/// are compiled in and appear only as their type.
/// </summary>
internal static class OnnxRuntimeReferences
{
    public const string AssemblyName = "Microsoft.ML.OnnxRuntime";

    public static SortedSet<string> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var provider = new TypeNames();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var h in md.TypeReferences)
            if (IsOrt(md, h)) found.Add($"T {provider.GetTypeFromReference(md, h, 0)}");
        foreach (var h in md.MemberReferences)
        {
            var m = md.GetMemberReference(h);
            string? owner = m.Parent.Kind switch
            {
                HandleKind.TypeReference when IsOrt(md, (TypeReferenceHandle)m.Parent) => provider.GetTypeFromReference(md, (TypeReferenceHandle)m.Parent, 0),
                HandleKind.TypeSpecification => OrtGenericOwner(md, (TypeSpecificationHandle)m.Parent, provider),
                _ => null,
            };
            if (owner is null) continue;
            string name = md.GetString(m.Name);
            if (m.GetKind() == MemberReferenceKind.Field)
                found.Add($"F {owner}::{name} : {m.DecodeFieldSignature(provider, null)}");
            else
            {
                var sig = m.DecodeMethodSignature(provider, null);
                string generic = sig.GenericParameterCount > 0 ? $"``{sig.GenericParameterCount}" : "";
                found.Add($"M {owner}::{name}{generic}({string.Join(", ", sig.ParameterTypes)}) : {sig.ReturnType}");
            }
        }
        return found;
    }

    private static bool IsOrt(MetadataReader md, TypeReferenceHandle h)
    {
        var scope = md.GetTypeReference(h).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference) scope = md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope; // nested types
        return scope.Kind == HandleKind.AssemblyReference
               && md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) == AssemblyName;
    }

    /// <summary>Members of a generic instantiation (e.g. DenseTensor`1&lt;Single&gt;) belong to the ORT generic type.</summary>
    private static string? OrtGenericOwner(MetadataReader md, TypeSpecificationHandle h, TypeNames provider)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(h).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return null;
        blob.ReadCompressedInteger(); // class / valuetype
        var def = blob.ReadTypeHandle();
        return def.Kind == HandleKind.TypeReference && IsOrt(md, (TypeReferenceHandle)def)
            ? md.GetTypeSpecification(h).DecodeSignature(provider, null)
            : null;
    }

    /// <summary>Type names as they appear in the allowlist: namespace-qualified, generic arguments in &lt;&gt;.</summary>
    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode switch
        {
            PrimitiveTypeCode.Void => "Void",
            PrimitiveTypeCode.IntPtr => "IntPtr",
            PrimitiveTypeCode.UIntPtr => "UIntPtr",
            PrimitiveTypeCode.TypedReference => "TypedReference",
            _ => typeCode.ToString(),
        };

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeReference(handle);
            string name = reader.GetString(t.Name);
            return t.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{GetTypeFromReference(reader, (TypeReferenceHandle)t.ResolutionScope, 0)}+{name}"
                : $"{reader.GetString(t.Namespace)}.{name}";
        }

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeDefinition(handle);
            return $"{reader.GetString(t.Namespace)}.{reader.GetString(t.Name)}";
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(", ", typeArguments)}>";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericMethodParameter(object? context, int index) => $"!!{index}";
        public string GetGenericTypeParameter(object? context, int index) => $"!{index}";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(string type) => type == "System.Type";
        public string GetSystemType() => "System.Type";
    }
}
