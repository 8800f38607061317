using Acornima;
using Acornima.Ast;

namespace ActorPool.YouTube.Solvers;

/// <summary>
/// The player's top-level declarations as a graph: which names each one defines and which it uses, so that a lean
/// module keeps only what the entry points reach.
/// </summary>
/// <remarks>Members of the player namespace object (<c>g.Xy</c>) are names of their own, and an assignment such as
/// <c>Xy.prototype.get = …</c> belongs to <c>Xy</c>. Uses are over-approximated (a local that shadows a top-level
/// name counts as a use), which only ever keeps more code, never less.</remarks>
internal static class DeclarationGraph
{
    public static HashSet<Node> Reachable(IReadOnlyList<Node> units, string? namespaceName, IEnumerable<Node> entryPoints)
    {
        var definers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);

        // Closure output writes methods through a reused alias: g.v = Xy.prototype; g.v.get = function…
        // so an assignment through an alias belongs to the class the alias points at when it runs.
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            TrackAlias(unit, namespaceName, aliases);
            foreach (var key in Defines(unit, namespaceName).Select(k => aliases.GetValueOrDefault(k, k)).Distinct())
            {
                if (!definers.TryGetValue(key, out var list))
                {
                    definers[key] = list = [];
                }

                list.Add(unit);
            }
        }

        var kept = new HashSet<Node>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        foreach (var entry in entryPoints)
        {
            foreach (var key in Uses(entry, namespaceName))
            {
                if (seen.Add(key))
                {
                    pending.Push(key);
                }
            }
        }

        while (pending.Count > 0)
        {
            if (!definers.TryGetValue(pending.Pop(), out var list))
            {
                continue;
            }

            foreach (var unit in list)
            {
                if (!kept.Add(unit))
                {
                    continue;
                }

                foreach (var key in Uses(unit, namespaceName))
                {
                    if (seen.Add(key))
                    {
                        pending.Push(key);
                    }
                }
            }
        }

        return kept;
    }

    private static void TrackAlias(Node unit, string? namespaceName, Dictionary<string, string> aliases)
    {
        var (target, value) = unit switch
        {
            ExpressionStatement { Expression: AssignmentExpression { Operator: Operator.Assignment } a } => (a.Left, a.Right),
            VariableDeclarator { Id: Identifier, Init: not null } d => (d.Id, d.Init),
            _ => ((Node?)null, (Node?)null),
        };
        if (target is null || (target is not Identifier && target is not MemberExpression { Object: Identifier, Computed: false }))
        {
            return;
        }

        var alias = RootKey(target, namespaceName);
        if (alias is null)
        {
            return;
        }

        if (value is MemberExpression { Computed: false, Property: Identifier { Name: "prototype" } } prototype
            && RootKey(prototype.Object, namespaceName) is { } owner)
        {
            aliases[alias] = aliases.GetValueOrDefault(owner, owner);
        }
        else
        {
            aliases.Remove(alias);
        }
    }

    private static IEnumerable<string> Defines(Node unit, string? namespaceName)
    {
        switch (unit)
        {
            case FunctionDeclaration { Id: { } id }:
                yield return id.Name;
                break;
            case ClassDeclaration { Id: { } id }:
                yield return id.Name;
                break;
            case VariableDeclarator declarator:
                foreach (var name in BoundNames(declarator.Id))
                {
                    yield return name;
                }

                break;
            case ExpressionStatement { Expression: AssignmentExpression assignment }:
                if (RootKey(assignment.Left, namespaceName) is { } key)
                {
                    yield return key;
                }

                break;
        }
    }

    private static IEnumerable<string> BoundNames(Node pattern)
    {
        var stack = new Stack<Node>();
        stack.Push(pattern);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is Identifier id)
            {
                yield return id.Name;
                continue;
            }

            foreach (var child in node.ChildNodes)
            {
                stack.Push(child);
            }
        }
    }

    // X.a.b → X;  g.X.a → g.X
    private static string? RootKey(Node target, string? namespaceName)
    {
        var node = target;
        MemberExpression? outermostOnRoot = null;
        while (node is MemberExpression member)
        {
            outermostOnRoot = member;
            node = member.Object;
        }

        if (node is not Identifier root)
        {
            return null;
        }

        if (root.Name == namespaceName && outermostOnRoot is { Computed: false, Property: Identifier property })
        {
            return namespaceName + "." + property.Name;
        }

        return root.Name;
    }

    private static HashSet<string> Uses(Node unit, string? namespaceName)
    {
        var uses = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Node>();
        stack.Push(unit);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            switch (node)
            {
                case Identifier id:
                    uses.Add(id.Name);
                    continue;
                case MemberExpression { Computed: false } member:
                    if (member.Object is Identifier ns && ns.Name == namespaceName && member.Property is Identifier p)
                    {
                        uses.Add(namespaceName + "." + p.Name);
                    }

                    stack.Push(member.Object); // the property name is not a variable
                    continue;
                case Property { Computed: false, Shorthand: false } property:
                    stack.Push(property.Value); // the key is not a variable
                    continue;
                case MethodDefinition { Computed: false } method:
                    stack.Push(method.Value);
                    continue;
                case PropertyDefinition { Computed: false } field:
                    if (field.Value is not null)
                    {
                        stack.Push(field.Value);
                    }

                    continue;
            }

            foreach (var child in node.ChildNodes)
            {
                stack.Push(child);
            }
        }

        return uses;
    }
}
