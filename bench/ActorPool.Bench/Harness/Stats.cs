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

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string List(IEnumerable<double> values, string format = "N0") => string.Join(" / ", values.Select(v => N(v, format)));
}
