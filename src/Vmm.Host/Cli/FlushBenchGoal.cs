using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>One goal ratio of `vmm bench flush`, computed from the rows of one run.</summary>
/// <param name="Name">What is divided by what, e.g. "IPI p99 / PV p99 at 8 vCPUs".</param>
/// <param name="Strategy">The PV strategy the ratio is about.</param>
/// <param name="Ratio">The measured ratio.</param>
/// <param name="AtLeast">True when the goal is Ratio ≥ Target, false when it is Ratio ≤ Target.</param>
/// <param name="Target">The goal's bound.</param>
internal sealed record FlushBenchGoal(string Name, string Strategy, double Ratio, bool AtLeast, double Target)
{
    /// <summary>Whether the run met the goal.</summary>
    public bool Met => AtLeast ? Ratio >= Target : Ratio <= Target;

    /// <summary>
    /// The goals the rows allow: at 8 vCPUs (or, without 8, the largest count above 8), for each PV strategy, IPI p99
    /// / PV p99 ≥ 5 (the paravirtual flush must beat the guest's own shootdown clearly) and PV p99 there / PV p99 at
    /// 2 vCPUs ≤ 3 (it must scale). A ratio whose rows were not measured is left out.
    /// </summary>
    public static IReadOnlyList<FlushBenchGoal> Compute(IReadOnlyList<FlushBenchRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var goals = new List<FlushBenchGoal>();
        int[] large = [.. rows.Select(r => r.Vcpus).Where(c => c >= 8).Distinct()];
        if (large.Length == 0)
        {
            return goals;
        }

        int at = large.Contains(8) ? 8 : large.Max();
        FlushBenchRow? ipi = rows.FirstOrDefault(r => r.Vcpus == at && r.Mode == "ipi");
        foreach (FlushBenchRow pv in rows.Where(r => r.Vcpus == at && r.Mode == "pv"))
        {
            string strategy = pv.Strategy ?? "?";
            if (ipi is not null)
            {
                goals.Add(new FlushBenchGoal($"IPI p99 / PV p99 at {at} vCPUs", strategy, ipi.P99Us / pv.P99Us, AtLeast: true, 5));
            }

            // `auto` rows are named "auto:kick" or "auto:memslot" after what the probe chose, which may differ
            // between 2 and 8 vCPUs: they are compared as one strategy, the one a user of `vmm run` gets.
            FlushBenchRow? two = rows.FirstOrDefault(r => r.Vcpus == 2 && r.Mode == "pv" && Family(r.Strategy) == Family(pv.Strategy));
            if (two is not null)
            {
                string label = two.Strategy == pv.Strategy ? strategy : $"{two.Strategy} at 2, {strategy} at {at}";
                goals.Add(new FlushBenchGoal($"PV p99 at {at} / PV p99 at 2 vCPUs", label, pv.P99Us / two.P99Us, AtLeast: false, 3));
            }
        }

        return goals;
    }

    private static string? Family(string? strategy) => strategy?.Split(':')[0];

    /// <summary>One line for people, e.g. "IPI p99 / PV p99 at 8 vCPUs (memslot): 7.41, goal ≥ 5: met".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} ({Strategy}): {Ratio:0.00}, goal {(AtLeast ? "≥" : "≤")} {Target}: {(Met ? "met" : "missed")}");

    /// <summary>The JSON object of the goal.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["name"] = Name,
        ["strategy"] = Strategy,
        ["ratio"] = Math.Round(Ratio, 3),
        ["goal"] = (AtLeast ? ">= " : "<= ") + Target.ToString(CultureInfo.InvariantCulture),
        ["met"] = Met,
    };
}
