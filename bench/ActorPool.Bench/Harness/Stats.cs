using System.Globalization;

namespace ActorPool.Bench;

/// <summary>Small statistics and formatting helpers.</summary>
internal static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The median of per-round ratios subject / baseline, pairing round i of each: both ran back to back, so
    /// a drift of the machine's speed between rounds cancels out (a ratio of medians would not cancel it).
    /// </summary>
    public static double PairedRatio(IReadOnlyList<double> subject, IReadOnlyList<double> baseline)
    {
        var count = Math.Min(subject.Count, baseline.Count);
        var ratios = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            ratios.Add(subject[i] / baseline[i]);
        }

        return Median(ratios);
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string List(IEnumerable<double> values, string format = "N0") => string.Join(" / ", values.Select(v => N(v, format)));
}
