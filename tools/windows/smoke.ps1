<#
.SYNOPSIS
  First-run smoke test of vmm's WHP backend on a Windows machine with the Windows Hypervisor Platform.

.DESCRIPTION
  Nothing of the WHP backend has run on Windows yet (README, "Backend status"). This script is what to run
  first there: it checks that WHP is enabled, builds vmm, prints `vmm info`, runs every built-in guest on the
  whp backend and compares its exit code with the expected verdict, runs the two benchmarks with both flush
  modes where it applies, then runs the test suite. It stops at nothing: every step is reported as PASS or
  FAIL with its output saved under $OutDir, and the exit code is the number of failed steps.

.EXAMPLE
  pwsh -File tools/windows/smoke.ps1
  pwsh -File tools/windows/smoke.ps1 -OutDir C:\temp\vmm-smoke -SkipTests
#>
param(
    [string]$OutDir = (Join-Path ([System.IO.Path]::GetTempPath()) "vmm-whp-smoke"),
    [switch]$SkipTests
)

$ErrorActionPreference = 'Continue'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..\..')
New-Item -ItemType Directory -Force -Path $OutDir | Out-Null
$failures = 0
$results = New-Object System.Collections.Generic.List[string]

function Step([string]$Name, [int]$Expected, [string[]]$Arguments) {
    $log = Join-Path $OutDir (($Name -replace '[^A-Za-z0-9_.-]', '_') + '.log')
    $start = Get-Date
    & $script:vmm @Arguments *> $log
    $code = $LASTEXITCODE
    $seconds = [math]::Round(((Get-Date) - $start).TotalSeconds, 1)
    if ($code -eq $Expected) {
        $script:results.Add("PASS  $Name (exit $code, $seconds s)")
    } else {
        $script:failures++
        $script:results.Add("FAIL  $Name (exit $code, expected $Expected, $seconds s) - see $log")
    }
}

Write-Host "vmm WHP smoke test; logs in $OutDir"

# 1. Is the Windows Hypervisor Platform enabled? (Optional feature name as documented by Microsoft.)
try {
    $feature = Get-WindowsOptionalFeature -Online -FeatureName HypervisorPlatform -ErrorAction Stop
    $results.Add("INFO  HypervisorPlatform feature: $($feature.State)")
} catch {
    $results.Add("INFO  could not query the HypervisorPlatform feature (run elevated to see it): $($_.Exception.Message)")
}

# 2. Build.
Push-Location $repo
dotnet build src/Vmm.Host -c Release *> (Join-Path $OutDir 'build.log')
if ($LASTEXITCODE -ne 0) {
    Pop-Location
    Write-Host "FAIL  build - see $(Join-Path $OutDir 'build.log')"
    exit 1
}
$script:vmm = Join-Path $repo 'src\Vmm.Host\bin\Release\net10.0\vmm.exe'

# 3. The backend and the guests. Expected exit codes: 0 pass, 1 guest failure, 2 usage/unavailable, 3 VM fault.
Step 'info'                        0 @('info', '--backend', 'whp')
Step 'hello'                       0 @('run', '--backend', 'whp')
foreach ($n in 1, 2, 4) {
    Step "smp-$n"                  0 @('run', '--backend', 'whp', '--guest', 'smp', '--cpus', "$n")
    Step "hvprobe-linux-$n"        0 @('run', '--backend', 'whp', '--guest', 'hvprobe', '--cpus', "$n", '--hv', 'linux')
    Step "hvprobe-windows-$n"      0 @('run', '--backend', 'whp', '--guest', 'hvprobe', '--cpus', "$n", '--hv', 'windows,+time,+frequencies')
}
Step 'hvprobe-none'                0 @('run', '--backend', 'whp', '--guest', 'hvprobe', '--cpus', '2', '--hv', 'none')
Step 'exits'                       0 @('run', '--backend', 'whp', '--guest', 'exits')
Step 'hypercalls'                  0 @('run', '--backend', 'whp', '--guest', 'hypercalls')
Step 'hcfuzz'                      0 @('run', '--backend', 'whp', '--guest', 'hcfuzz', '--cpus', '2', '--guest-arg', 'calls=20000', '--trace-hypercalls', (Join-Path $OutDir 'hcfuzz.jsonl'))
Step 'spin-timeout'                3 @('run', '--backend', 'whp', '--guest', 'spin', '--cpus', '2', '--timeout', '1')
Step 'hvprobe-offload'             0 @('run', '--backend', 'whp', '--guest', 'hvprobe', '--cpus', '2', '--hv', 'windows', '--whp-flush', 'hypervisor')

# 4. Benchmarks (medians; compare with the Linux figures in the issue notes).
Step 'bench-exits'                 0 @('bench', 'exits', '--backend', 'whp', '--json')
Step 'bench-hypercalls'            0 @('bench', 'hypercalls', '--backend', 'whp', '--json')

# 5. The test suite (KVM tests report themselves skipped here).
if (-not $SkipTests) {
    dotnet test --solution Vmm.sln *> (Join-Path $OutDir 'tests.log')
    if ($LASTEXITCODE -eq 0) { $results.Add('PASS  dotnet test') } else { $failures++; $results.Add("FAIL  dotnet test - see $(Join-Path $OutDir 'tests.log')") }
}
Pop-Location

$results | ForEach-Object { Write-Host $_ }
Write-Host "$failures step(s) failed. Please attach $OutDir to the WHP issue."
exit $failures
