using Spectre.Console;

namespace Vmm.Host.Cli;

/// <summary>
/// Progress of a benchmark on stderr through Spectre.Console's live progress display, drawn only when stderr is a
/// terminal and the output is not JSON; otherwise the steps run silently.
/// </summary>
internal sealed class BenchProgress
{
    private readonly ProgressTask? _task;

    private BenchProgress(ProgressTask? task) => _task = task;

    /// <summary>Runs <paramref name="body"/> with a progress bar of <paramref name="total"/> steps when <paramref name="show"/>.</summary>
    public static void Run(CliContext context, bool show, string description, double total, Action<BenchProgress> body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        if (!show)
        {
            body(new BenchProgress(null));
            return;
        }

        SpectreConsoles.Create(context.Error, terminal: true).Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx => body(new BenchProgress(ctx.AddTask(Markup.Escape(description), maxValue: total))));
    }

    /// <summary>Sets the steps done and, optionally, what is being measured now.</summary>
    public void Report(double done, string? description = null)
    {
        if (_task is null)
        {
            return;
        }

        if (description is not null)
        {
            _task.Description = Markup.Escape(description);
        }

        _task.Value = done;
    }
}
