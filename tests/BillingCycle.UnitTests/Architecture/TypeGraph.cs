using Mono.Cecil;
using Mono.Cecil.Cil;

namespace BillingCycle.UnitTests.Architecture;

/// <summary>
/// Every type one type refers to, read from the compiled IL (not from the source's usings): base
/// type and interfaces, attributes, fields, properties, events, method signatures, locals and
/// every type, method and field a method body names (generic arguments included). Compiler-made
/// nested types (lambdas, async state machines) count for the type they are written in.
/// </summary>
public static class TypeGraph
{
    public sealed record Reference(TypeDefinition From, TypeReference To);

    public static IEnumerable<Reference> Of(ModuleDefinition module)
    {
        foreach (var type in module.GetTypes())
        {
            var owner = Outermost(type);
            foreach (var to in Named(type).SelectMany(Parts))
            {
                yield return new Reference(owner, to);
            }
        }
    }

    /// <summary>The namespace a type is written in: that of its outermost declaring type.</summary>
    public static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return type.Namespace;
    }

    private static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }
        return type;
    }

    private static IEnumerable<TypeReference?> Named(TypeDefinition type)
    {
        yield return type.BaseType;
        foreach (var i in type.Interfaces)
        {
            yield return i.InterfaceType;
        }
        foreach (var t in Attributes(type).Concat(Constraints(type)))
        {
            yield return t;
        }
        foreach (var f in type.Fields)
        {
            yield return f.FieldType;
            foreach (var t in Attributes(f))
            {
                yield return t;
            }
        }
        foreach (var p in type.Properties)
        {
            yield return p.PropertyType;
            foreach (var t in Attributes(p))
            {
                yield return t;
            }
        }
        foreach (var e in type.Events)
        {
            yield return e.EventType;
        }
        foreach (var m in type.Methods)
        {
            foreach (var t in Method(m))
            {
                yield return t;
            }
        }
    }

    private static IEnumerable<TypeReference?> Method(MethodDefinition m)
    {
        yield return m.ReturnType;
        foreach (var p in m.Parameters)
        {
            yield return p.ParameterType;
            foreach (var t in Attributes(p))
            {
                yield return t;
            }
        }
        foreach (var t in Attributes(m).Concat(Constraints(m)))
        {
            yield return t;
        }
        if (!m.HasBody)
        {
            yield break;
        }
        foreach (var v in m.Body.Variables)
        {
            yield return v.VariableType;
        }
        foreach (var h in m.Body.ExceptionHandlers)
        {
            yield return h.CatchType;
        }
        foreach (var i in m.Body.Instructions)
        {
            foreach (var t in Operand(i))
            {
                yield return t;
            }
        }
    }

    private static IEnumerable<TypeReference?> Operand(Instruction i)
    {
        switch (i.Operand)
        {
            case TypeReference t:
                yield return t;
                break;
            case MethodReference m:
                yield return m.DeclaringType;
                yield return m.ReturnType;
                foreach (var p in m.Parameters)
                {
                    yield return p.ParameterType;
                }
                if (m is GenericInstanceMethod g)
                {
                    foreach (var a in g.GenericArguments)
                    {
                        yield return a;
                    }
                }
                break;
            case FieldReference f:
                yield return f.DeclaringType;
                yield return f.FieldType;
                break;
            case CallSite c:
                yield return c.ReturnType;
                foreach (var p in c.Parameters)
                {
                    yield return p.ParameterType;
                }
                break;
        }
    }

    private static IEnumerable<TypeReference> Attributes(ICustomAttributeProvider p) =>
        p.CustomAttributes.SelectMany(a => new[] { a.AttributeType }
            .Concat(a.ConstructorArguments.Select(x => x.Value).OfType<TypeReference>()));

    private static IEnumerable<TypeReference> Constraints(IGenericParameterProvider p) =>
        p.GenericParameters.SelectMany(g => g.Constraints.Select(c => c.ConstraintType));

    /// <summary>A type and the types it is made of: List&lt;Invoice[]&gt; is List, and Invoice.</summary>
    private static IEnumerable<TypeReference> Parts(TypeReference? type)
    {
        switch (type)
        {
            case null or GenericParameter:
                yield break;
            case GenericInstanceType g:
                foreach (var t in Parts(g.ElementType).Concat(g.GenericArguments.SelectMany(Parts)))
                {
                    yield return t;
                }
                break;
            case FunctionPointerType:
                yield break;
            case TypeSpecification s: // arrays, by-ref, pointers, modifiers
                foreach (var t in Parts(s.ElementType))
                {
                    yield return t;
                }
                break;
            default:
                yield return type;
                break;
        }
    }
}
