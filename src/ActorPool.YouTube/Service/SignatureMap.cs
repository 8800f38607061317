namespace ActorPool.YouTube.Service;

/// <summary>
/// The <c>sig</c> transform of one player for one input length as an index map: output character <c>i</c> is input
/// character <c>Map[i]</c>. Every player's signature transform is built from reverse, splice and swap, which only
/// move and drop characters, so one map per (player, length) answers every signature of that length in C#.
/// </summary>
/// <remarks>
/// The map is learnt from two probe strings of distinct characters run through the real JavaScript transform and
/// confirmed on a real signature of the same length. Any mismatch (an output character that is not in the input, a
/// different output for the second probe or the real input, an output longer than the input) means the transform
/// is not a reindexing, and <see cref="TryLearn"/> refuses: the caller keeps calling JavaScript for that length.
/// </remarks>
internal sealed class SignatureMap
{
    /// <summary>Longest signature answered by a map; longer inputs always run the JavaScript transform.</summary>
    public const int MaxLength = 1024;

    private readonly int[] _map;

    private SignatureMap(int inputLength, int[] map)
    {
        InputLength = inputLength;
        _map = map;
    }

    /// <summary>The input length this map applies to.</summary>
    public int InputLength { get; }

    /// <summary>
    /// The two probes for inputs of <paramref name="length"/> characters: each of distinct characters, the two in
    /// different orders and from different ranges (Latin Extended and CJK), so a character-dependent transform
    /// cannot agree with a map by chance.
    /// </summary>
    public static (string First, string Second) Probes(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        var first = string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)(0x0100 + i);
            }
        });
        var second = string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)(0x4E00 + (span.Length - 1 - i));
            }
        });
        return (first, second);
    }

    /// <summary>
    /// Learns the map from the JavaScript outputs of both probes and checks it against a real input and its
    /// JavaScript output; null when the transform is not a reindexing of its input.
    /// </summary>
    public static SignatureMap? TryLearn(string firstOutput, string secondOutput, string input, string output)
    {
        var length = input.Length;
        if (length is 0 or > MaxLength)
        {
            return null;
        }

        var (first, second) = Probes(length);
        if (firstOutput.Length > length || secondOutput.Length != firstOutput.Length || output.Length != firstOutput.Length)
        {
            return null;
        }

        var map = new int[firstOutput.Length];
        for (var i = 0; i < map.Length; i++)
        {
            // The first probe's characters are 0x0100 + position, so a character names its own source position.
            var position = firstOutput[i] - 0x0100;
            if (position < 0 || position >= length || first[position] != firstOutput[i])
            {
                return null;
            }

            map[i] = position;
            if (secondOutput[i] != second[position] || output[i] != input[position])
            {
                return null;
            }
        }

        return new SignatureMap(length, map);
    }

    /// <summary>Applies the map to <paramref name="input"/> (which must have <see cref="InputLength"/> characters).</summary>
    public string Apply(string input)
    {
        if (input.Length != InputLength)
        {
            throw new ArgumentException($"the map is for {InputLength}-character inputs, not {input.Length}", nameof(input));
        }

        return string.Create(_map.Length, (input, _map), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.input[state._map[i]];
            }
        });
    }
}
