using System.Globalization;
using System.Text;
using Acornima;
using Acornima.Ast;

namespace ActorPool.YouTube.Solvers;

/// <summary>
/// Builds a solver module (<see cref="ExtractedSolver"/>) from a YouTube player script.
/// </summary>
/// <remarks>
/// <para>The player is parsed once with Acornima. Its outer function (<c>(function(g){…})(_yt_player)</c>, or the
/// parameterless wrapper of 2014–2016 players) is unwrapped and its top-level declarations are kept: functions,
/// classes, variables and member assignments. Other top-level statements (polyfill calls, start-up side effects)
/// are dropped, and every kept initializer runs inside its own <c>try</c>, so code that needs a real browser fails
/// alone instead of failing the module. A few browser stubs (<c>window</c>, <c>document</c>, <c>navigator</c>,
/// <c>location</c>, <c>XMLHttpRequest</c>) are shipped with the module.</para>
/// <para>The entry points are found by the structure of the code that builds stream URLs, not by names:
/// the signature function is the call in <c>x &amp;&amp; (x = F(…, decode(x)), url.set(key, encode(x)))</c>, where
/// <c>decode</c>, <c>encode</c> may themselves be obfuscated calls such as <c>D(16, 857, x)</c>
/// (2018 on), <c>e.sig || F(e.s)</c> (2014–2015) or <c>url.set("signature", F(x))</c> (2015–2017);
/// the n function is the call in <c>x = F(x), url.set(key, x)</c> where <c>F</c> is a name or <c>name[0]</c>.
/// When a player hides its n call behind computed dispatch (2026 players), n is solved through the player's own
/// stream URL class, the class that the signature code instantiates: a stream URL with the challenge as its
/// <c>n</c> parameter is constructed and its <c>n</c> read back, exactly as the player does it.</para>
/// </remarks>
public static class SolverExtractor
{
    // A stream URL shaped like the ones the player rewrites; only its n parameter matters.
    private const string ProbeUrlPrefix =
        "https://rr1---sn-ab5l6nzr.googlevideo.com/videoplayback?expire=1700000000&ei=AAAAAAAAAAAAAAAAAAAA&ip=0.0.0.0&id=o-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&itag=18&source=youtube&requiressl=yes&c=WEB&n=";

    /// <summary>Extracts the solver module and the signature timestamp from a player script.</summary>
    /// <param name="playerSource">The full JavaScript source of the player (<c>base.js</c>).</param>
    /// <returns>The module source, the sts, and which of <c>sig</c> and <c>n</c> the module exports.</returns>
    /// <exception cref="SolverExtractionException">The script does not parse, has no recognisable player
    /// structure, or no signature function could be located.</exception>
    public static ExtractedSolver Extract(string playerSource) => Extract(playerSource, SolverModuleShape.Auto);

    /// <summary>Extracts the solver module in the given shape and the signature timestamp from a player script.</summary>
    /// <param name="playerSource">The full JavaScript source of the player (<c>base.js</c>).</param>
    /// <param name="shape">How much of the player the module keeps.</param>
    /// <returns>The module source, the sts, and which of <c>sig</c> and <c>n</c> the module exports.</returns>
    /// <exception cref="SolverExtractionException">The script does not parse, has no recognisable player
    /// structure, or no signature function could be located.</exception>
    public static ExtractedSolver Extract(string playerSource, SolverModuleShape shape)
    {
        ArgumentNullException.ThrowIfNull(playerSource);
        if (playerSource.Length == 0)
        {
            throw new SolverExtractionException("the player script is empty");
        }

        // The scan sees every node as the parser completes it, so no second walk over the ~1M nodes is needed.
        var scan = new PlayerScan(playerSource);
        Script script;
        try
        {
            var parser = new Parser(new ParserOptions { OnNode = scan.Inspect });
            script = parser.ParseScript(playerSource);
        }
        catch (ParseErrorException ex)
        {
            throw new SolverExtractionException($"the player script does not parse as JavaScript: {ex.Message}", ex);
        }

        var wrapper = FindPlayerFunction(script)
            ?? throw new SolverExtractionException("the player script has no outer player function ((function(g){...})(_yt_player) or (function(){...})())");

        var sig = scan.SigExpression();
        var n = scan.NExpression(wrapper.Body);
        if (sig is null)
        {
            throw new SolverExtractionException("no signature function found: the player has none of the known shapes of the code that applies it to a stream URL (x && (x = F(decode(x)), url.set(key, encode(x))), e.sig || F(e.s), url.set(\"signature\", F(x)))");
        }

        if (shape == SolverModuleShape.Auto)
        {
            var lean = ModuleWriter.Write(playerSource, wrapper, sig, n, scan.Sts, SolverModuleShape.Lean);
            if (ModuleSelfCheck.Passes(lean, n is not null))
            {
                return new ExtractedSolver(lean, scan.Sts, HasSig: true, HasN: n is not null);
            }

            shape = SolverModuleShape.Full;
        }

        var module = ModuleWriter.Write(playerSource, wrapper, sig, n, scan.Sts, shape);
        return new ExtractedSolver(module, scan.Sts, HasSig: true, HasN: n is not null);
    }

    private static IFunction? FindPlayerFunction(Script script)
    {
        IFunction? best = null;
        foreach (var statement in script.Body)
        {
            if (statement is not ExpressionStatement { Expression: CallExpression call })
            {
                continue;
            }

            var candidate = call.Callee switch
            {
                FunctionExpression f => f,
                MemberExpression { Object: FunctionExpression f, Property: Identifier { Name: "call" or "apply" } } => f,
                _ => null,
            };
            if (candidate is not null && (best is null || Length((Node)candidate) > Length((Node)best)))
            {
                best = candidate;
            }
        }

        return best;
    }

    private static int Length(Node node) => node.End - node.Start;

    /// <summary>One pass over the player's AST that records every shape the extractor recognises.</summary>
    private sealed class PlayerScan(string source)
    {
        private readonly List<string> _modernSig = [];
        private readonly List<string> _legacySig = [];
        private readonly List<string> _n = [];
        private readonly List<int> _modernSigPositions = [];
        private readonly Dictionary<string, int> _signatureTimestamps = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _stsValues = new(StringComparer.Ordinal);

        public string? Sts =>
            MostFrequent(_signatureTimestamps) ?? MostFrequent(_stsValues);

        public void Inspect(Node node, in OnNodeContext context)
        {
            switch (node)
            {
                case SequenceExpression sequence:
                    InspectSequence(sequence);
                    break;
                case LogicalExpression logical:
                    InspectLogical(logical);
                    break;
                case CallExpression call:
                    InspectCall(call);
                    break;
                case Property property:
                    InspectProperty(property);
                    break;
            }
        }

        public string? SigExpression()
        {
            var modern = Distinct(_modernSig);
            if (modern.Count > 0)
            {
                return Single(modern, "signature");
            }

            var legacy = Distinct(_legacySig);
            return legacy.Count > 0 ? Single(legacy, "signature") : null;
        }

        public string? NExpression(Node playerBody)
        {
            var direct = Distinct(_n);
            if (direct.Count == 1)
            {
                return direct[0];
            }

            // No single direct n call: go through the stream URL class the signature code uses.
            var urlClass = Distinct(_modernSigPositions
                .Select(position => InnermostFunction(playerBody, position))
                .OfType<Node>()
                .Select(FindUrlClass)
                .OfType<string>()
                .ToList());
            if (urlClass.Count == 1)
            {
                return "function (s) { var u = new (" + urlClass[0] + ")(\"" + ProbeUrlPrefix
                    + "\" + encodeURIComponent(s), true); return u.get(\"n\"); }";
            }

            if (direct.Count > 1)
            {
                throw new SolverExtractionException($"found {direct.Count} different n functions ({string.Join(", ", direct)}) and no stream URL class to decide between them");
            }

            return null;
        }

        private static string Single(List<string> candidates, string what)
        {
            if (candidates.Count > 1)
            {
                throw new SolverExtractionException($"found {candidates.Count} different {what} functions: {string.Join(" | ", candidates)}");
            }

            return candidates[0];
        }

        private static List<string> Distinct(List<string> values) => values.Distinct(StringComparer.Ordinal).ToList();

        private static string? MostFrequent(Dictionary<string, int> counts) =>
            counts.Count == 0 ? null : counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;

        private string Text(Node node) => source.Substring(node.Start, node.End - node.Start);

        // x = F(x), url.set(key, x)            → n (F is a name or name[number])
        // x = F(…, decode(x)), url.set(key, encode(x))  → sig
        private void InspectSequence(SequenceExpression sequence)
        {
            var expressions = sequence.Expressions;
            if (expressions.Count < 2
                || expressions[0] is not AssignmentExpression { Operator: Operator.Assignment, Left: Identifier target, Right: CallExpression transform })
            {
                return;
            }

            for (var i = 1; i < expressions.Count; i++)
            {
                if (expressions[i] is not CallExpression { Callee: MemberExpression setter } set || set.Arguments.Count != 2 || !IsSetter(setter))
                {
                    continue;
                }

                var value = set.Arguments[1];
                if (value is Identifier v && v.Name == target.Name)
                {
                    if (IsParameterKey(set.Arguments[0]) && transform.Arguments.Count == 1
                        && transform.Arguments[0] is Identifier arg && arg.Name == target.Name && IsPlainCallee(transform.Callee))
                    {
                        _n.Add("function (s) { return " + Text(transform.Callee) + "(s); }");
                    }
                }
                else if (value is CallExpression encode && WrapsOnly(encode, target.Name))
                {
                    var sig = SigCall(transform, target.Name);
                    if (sig is not null)
                    {
                        _modernSig.Add(sig);
                        _modernSigPositions.Add(sequence.Start);
                    }
                }

                return;
            }
        }

        // F(literals…, decode(x), literals…) → function (s) { return F(literals…, s, literals…); }
        private string? SigCall(CallExpression transform, string name)
        {
            if (!IsPlainCallee(transform.Callee))
            {
                return null;
            }

            var args = new List<string>(transform.Arguments.Count);
            var found = false;
            foreach (var argument in transform.Arguments)
            {
                if (argument is CallExpression decode && WrapsOnly(decode, name) && !found)
                {
                    args.Add("s");
                    found = true;
                }
                else if (argument is Literal or UnaryExpression { Argument: Literal })
                {
                    args.Add(Text(argument));
                }
                else
                {
                    return null;
                }
            }

            return found ? "function (s) { return " + Text(transform.Callee) + "(" + string.Join(", ", args) + "); }" : null;
        }

        // e.sig || F(e.s)
        private void InspectLogical(LogicalExpression logical)
        {
            if (logical.Operator == Operator.LogicalOr
                && logical.Left is MemberExpression { Computed: false, Property: Identifier { Name: "sig" } }
                && logical.Right is CallExpression { Arguments.Count: 1 } call
                && call.Arguments[0] is MemberExpression { Computed: false, Property: Identifier { Name: "s" } }
                && IsPlainCallee(call.Callee))
            {
                _legacySig.Add("function (s) { return " + Text(call.Callee) + "(s); }");
            }
        }

        // url.set("signature", F(x))
        private void InspectCall(CallExpression call)
        {
            if (call is { Callee: MemberExpression { Computed: false, Property: Identifier { Name: "set" } }, Arguments.Count: 2 }
                && call.Arguments[0] is StringLiteral { Value: "signature" }
                && call.Arguments[1] is CallExpression { Arguments.Count: 1 } transform
                && transform.Arguments[0] is Identifier or MemberExpression { Computed: false, Property: Identifier { Name: "s" } }
                && IsPlainCallee(transform.Callee))
            {
                _legacySig.Add("function (s) { return " + Text(transform.Callee) + "(s); }");
            }
        }

        private void InspectProperty(Property property)
        {
            if (property.Computed || property.Value is not NumericLiteral number)
            {
                return;
            }

            var key = property.Key switch
            {
                Identifier id => id.Name,
                StringLiteral s => s.Value,
                _ => null,
            };
            var table = key switch
            {
                "signatureTimestamp" => _signatureTimestamps,
                "sts" => _stsValues,
                _ => null,
            };
            if (table is null || number.Value < 1000 || number.Value > 999999 || number.Value != Math.Floor(number.Value))
            {
                return;
            }

            var text = ((long)number.Value).ToString(CultureInfo.InvariantCulture);
            table[text] = table.GetValueOrDefault(text) + 1;
        }

        private static Node? InnermostFunction(Node root, int position)
        {
            Node? function = null;
            var node = root;
            while (true)
            {
                if (node is IFunction && node != root)
                {
                    function = node;
                }

                Node? next = null;
                foreach (var child in node.ChildNodes)
                {
                    if (child.Start <= position && position < child.End)
                    {
                        next = child;
                        break;
                    }
                }

                if (next is null)
                {
                    return function;
                }

                node = next;
            }
        }

        // In the function that applies the signature: new C(url, !0) or new C(url, true) on its first parameter.
        private string? FindUrlClass(Node function)
        {
            if (function is not IFunction { Params.Count: > 0 } f || f.Params[0] is not Identifier first)
            {
                return null;
            }

            var stack = new Stack<Node>();
            stack.Push(function);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (node is NewExpression { Arguments.Count: 2 } created
                    && created.Arguments[0] is Identifier url && url.Name == first.Name
                    && IsTrue(created.Arguments[1]) && IsPlainCallee(created.Callee))
                {
                    return Text(created.Callee);
                }

                foreach (var child in node.ChildNodes)
                {
                    stack.Push(child);
                }
            }

            return null;
        }

        // decode(x), encode(x), or their obfuscated forms D(16, 857, x): constants plus x itself.
        private static bool WrapsOnly(CallExpression call, string name)
        {
            var seen = false;
            foreach (var argument in call.Arguments)
            {
                if (argument is Identifier id && id.Name == name && !seen)
                {
                    seen = true;
                }
                else if (argument is not (Literal or UnaryExpression { Argument: Literal }))
                {
                    return false;
                }
            }

            return seen;
        }

        private static bool IsTrue(Node node) =>
            node is BooleanLiteral { Value: true }
            || node is UnaryExpression { Operator: Operator.LogicalNot, Argument: NumericLiteral { Value: 0 } };

        // url.set(…) or url[lookup](…)
        private static bool IsSetter(MemberExpression member) =>
            member.Computed || member.Property is Identifier { Name: "set" };

        // "n", a variable, or a string-table entry such as r[28]
        private static bool IsParameterKey(Node key) =>
            key is StringLiteral { Value: "n" } or Identifier
            || key is MemberExpression { Computed: true, Object: Identifier, Property: NumericLiteral };

        // F, g.F, F[0]
        private static bool IsPlainCallee(Node callee) => callee switch
        {
            Identifier => true,
            MemberExpression { Computed: false, Object: Identifier, Property: Identifier } => true,
            MemberExpression { Computed: true, Object: Identifier, Property: NumericLiteral } => true,
            _ => false,
        };
    }
}
