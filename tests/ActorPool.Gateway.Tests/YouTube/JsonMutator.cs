using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// A structure-aware JSON mutator: parses a valid body into a tree that keeps each string and number as raw bytes,
/// applies a few mutations at random places (keys and values, at every depth), writes it back, and sometimes cuts
/// or splices the bytes. Mutations: string contents from a catalog of escapes (every JSON escape, invalid ones, lone
/// and reversed surrogates, raw multi-byte, control and invalid UTF-8 bytes), numbers from a catalog (huge
/// exponents, 50,000 digits, forms JSON forbids), nesting around the depth bound, duplicate keys (also spelled with
/// escapes), type swaps, removed and added members, truncation and stray tokens. Deterministic per seed.
/// </summary>
public sealed class JsonMutator(int seed)
{
    /// <summary>String contents (between the quotes), as raw bytes: valid escapes, invalid escapes, raw bytes.</summary>
    private static readonly byte[][] StringFragments =
    [
        .. new[]
        {
            "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0000", "\\u001f", "\\u0041", "\\u00e9", "\\u00E9",
            "\\uffff", "\\ufffe", "\\ufeff", "\\u2028", "\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\ud83d\\ude00",
            "\\uD83D\\uDE00", "\\ude00\\ud83d", "\\ud800\\u0041", "\\ud800\\\\", "\\ud800\\ud800", "\\udc00\\udc00",
            "\\ud800x", "\\x41", "\\u12", "\\uZZZZ", "\\u-123", "\\", "\\U0041", "\\0", "\\a", "\\'", "\\u", "\\ud8", "a\\", "\"",
            "é", "😀", "\u2028", "\ufeff", "\u007f", "𝄞", "\u0301", "ab", "",
        }.Select(Encoding.UTF8.GetBytes),
        [0x01], [0x09], [0x0a], [0x00], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
    ];

    /// <summary>Number tokens: valid, extreme, and forms JSON forbids.</summary>
    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "1e999999", "-1e-999999", "1E+2", "0.1e-7", "1e308", "4.9e-324", "9007199254740993",
        "123456789012345678901234567890", "01", "1.", ".5", "+1", "-", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10",
        "1_000", "--1", "1.2.3", new string('9', 50_000), "0." + new string('0', 10_000) + "1", "1e" + new string('9', 400),
    ];

    /// <summary>Whole values of every type.</summary>
    private static readonly string[] Values = ["null", "true", "false", "{}", "[]", "\"\"", "nul", "tru", "True", "undefined", "[,]", "{,}", "[1,]", "{\"a\"}", "{\"a\":}", "{:1}"];

    /// <summary>Wrappings around a value: around the gateway's depth bound of 64 (JsonBody.MaxDepth), and far past it.</summary>
    private static readonly int[] NestingDepths = [1, 2, 62, 63, 64, 65, 200];

    private static readonly string[] StrayTokens = [",", ":", "[", "]", "{", "}", "\"", "\\", " ", "\0", "//", "/*", "'"];

    private readonly Random _random = new(seed);

    /// <summary>One mutation of <paramref name="validJson"/>: 1 to 3 tree mutations, then possibly a byte-level cut or splice.</summary>
    public byte[] Mutate(string validJson)
    {
        using var document = JsonDocument.Parse(validJson);
        var root = Node.From(document.RootElement);
        var mutations = 1 + _random.Next(3);
        for (var i = 0; i < mutations; i++)
        {
            root = MutateSomewhere(root);
        }

        var bytes = root.Write();
        return _random.Next(10) switch
        {
            0 => bytes[.._random.Next(bytes.Length)],
            1 => Splice(bytes, Encoding.UTF8.GetBytes(StrayTokens[_random.Next(StrayTokens.Length)])),
            _ => bytes,
        };
    }

    private Node MutateSomewhere(Node root)
    {
        var slots = new List<Slot>();
        root.CollectSlots(slots, replace: null, depth: 0);
        // Slot 0 is the root itself: replaced or wrapped now and then, its members far more often.
        var slot = slots.Count > 1 && _random.Next(20) != 0 ? slots[1 + _random.Next(slots.Count - 1)] : slots[0];
        if (slot.Replace is null)
        {
            return MutateValue(root);
        }

        if (slot.Member is { } member && _random.Next(2) == 0)
        {
            return MutateKey(root, member);
        }

        slot.Replace(MutateValue(slot.Current));
        return root;
    }

    private Node MutateKey(Node root, (ObjectNode Owner, int Index) member)
    {
        var (owner, index) = member;
        var (key, value) = owner.Members[index];
        switch (_random.Next(5))
        {
            case 0:
                // Duplicate the member, with the same spelling or an escaped one, and another value.
                owner.Members.Insert(_random.Next(owner.Members.Count + 1), (_random.Next(2) == 0 ? key : EscapeFirst(key), RandomValue()));
                break;
            case 1:
                owner.Members.RemoveAt(index);
                break;
            case 2:
                owner.Members.Insert(_random.Next(owner.Members.Count + 1), (new RawNode(RandomString()), value));
                break;
            default:
                owner.Members[index] = (new RawNode(MutateString(key.Raw)), value);
                break;
        }

        return root;
    }

    private Node MutateValue(Node current) => _random.Next(6) switch
    {
        0 => new RawNode(Encoding.UTF8.GetBytes(Numbers[_random.Next(Numbers.Length)])),
        1 => Nest(current, NestingDepths[_random.Next(NestingDepths.Length)]),
        2 => RandomValue(),
        _ when current is RawNode { IsString: true } text => new RawNode(MutateString(text.Raw)),
        _ => new RawNode(RandomString()),
    };

    private RawNode RandomValue() => _random.Next(3) switch
    {
        0 => new RawNode(Encoding.UTF8.GetBytes(Values[_random.Next(Values.Length)])),
        1 => new RawNode(Encoding.UTF8.GetBytes(Numbers[_random.Next(Numbers.Length)])),
        _ => new RawNode(RandomString()),
    };

    private Node Nest(Node inner, int depth)
    {
        var node = inner;
        var inObjects = _random.Next(2) == 0;
        for (var i = 0; i < depth; i++)
        {
            node = inObjects ? new ObjectNode([(new RawNode("\"a\""u8.ToArray()), node)]) : new ArrayNode([node]);
        }

        return node;
    }

    private byte[] RandomString()
    {
        var body = new List<byte>();
        var parts = 1 + _random.Next(3);
        for (var i = 0; i < parts; i++)
        {
            body.AddRange(StringFragments[_random.Next(StringFragments.Length)]);
        }

        return [(byte)'"', .. body, (byte)'"'];
    }

    /// <summary>Inserts, prepends, appends or replaces with a fragment inside the quotes of <paramref name="quoted"/>.</summary>
    private byte[] MutateString(byte[] quoted)
    {
        var content = quoted.Length >= 2 ? quoted[1..^1] : [];
        var fragment = StringFragments[_random.Next(StringFragments.Length)];
        var at = content.Length == 0 ? 0 : _random.Next(4) switch
        {
            0 => 0,
            1 => content.Length,
            _ => _random.Next(content.Length + 1),
        };
        byte[] mutated = _random.Next(4) == 0 ? fragment : [.. content[..at], .. fragment, .. content[at..]];
        return [(byte)'"', .. mutated, (byte)'"'];
    }

    /// <summary>The same key with its first character written as a \u escape: equal after unescaping.</summary>
    private static RawNode EscapeFirst(RawNode key)
    {
        if (key.Raw.Length < 3 || key.Raw[1] is (byte)'\\' or >= 0x80)
        {
            return key;
        }

        return new RawNode([(byte)'"', .. Encoding.ASCII.GetBytes($"\\u{key.Raw[1]:x4}"), .. key.Raw[2..]]);
    }

    private byte[] Splice(byte[] bytes, byte[] token)
    {
        var at = _random.Next(bytes.Length + 1);
        return [.. bytes[..at], .. token, .. bytes[at..]];
    }

    /// <summary>A place in the tree: the node there, how to replace it, and the object member it is the value of.</summary>
    private sealed record Slot(Node Current, Action<Node>? Replace, (ObjectNode Owner, int Index)? Member);

    private abstract class Node
    {
        public static Node From(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => new ObjectNode([.. element.EnumerateObject().Select(p => (new RawNode(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(p.Name))), From(p.Value)))]),
            JsonValueKind.Array => new ArrayNode([.. element.EnumerateArray().Select(From)]),
            _ => new RawNode(Encoding.UTF8.GetBytes(element.GetRawText())),
        };

        public byte[] Write()
        {
            var output = new List<byte>();
            WriteTo(output);
            return [.. output];
        }

        public abstract void WriteTo(List<byte> output);

        public abstract void CollectSlots(List<Slot> slots, Action<Node>? replace, int depth);
    }

    private sealed class RawNode(byte[] raw) : Node
    {
        public byte[] Raw { get; } = raw;

        public bool IsString => Raw.Length > 0 && Raw[0] == '"';

        public override void WriteTo(List<byte> output) => output.AddRange(Raw);

        public override void CollectSlots(List<Slot> slots, Action<Node>? replace, int depth) => slots.Add(new Slot(this, replace, null));
    }

    private sealed class ArrayNode(List<Node> items) : Node
    {
        public override void WriteTo(List<byte> output)
        {
            output.Add((byte)'[');
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0)
                {
                    output.Add((byte)',');
                }

                items[i].WriteTo(output);
            }

            output.Add((byte)']');
        }

        public override void CollectSlots(List<Slot> slots, Action<Node>? replace, int depth)
        {
            slots.Add(new Slot(this, replace, null));
            if (depth > 8)
            {
                return;
            }

            for (var i = 0; i < items.Count; i++)
            {
                var index = i;
                items[i].CollectSlots(slots, node => items[index] = node, depth + 1);
            }
        }
    }

    private sealed class ObjectNode(List<(RawNode Key, Node Value)> members) : Node
    {
        public List<(RawNode Key, Node Value)> Members { get; } = members;

        public override void WriteTo(List<byte> output)
        {
            output.Add((byte)'{');
            for (var i = 0; i < Members.Count; i++)
            {
                if (i > 0)
                {
                    output.Add((byte)',');
                }

                Members[i].Key.WriteTo(output);
                output.Add((byte)':');
                Members[i].Value.WriteTo(output);
            }

            output.Add((byte)'}');
        }

        public override void CollectSlots(List<Slot> slots, Action<Node>? replace, int depth)
        {
            slots.Add(new Slot(this, replace, null));
            if (depth > 8)
            {
                return;
            }

            for (var i = 0; i < Members.Count; i++)
            {
                var index = i;
                var before = slots.Count;
                Members[i].Value.CollectSlots(slots, node => Members[index] = (Members[index].Key, node), depth + 1);

                // The member's own slot (its value as found) also carries the key, so keys at every depth mutate.
                slots[before] = slots[before] with { Member = (this, index) };
            }
        }
    }
}
