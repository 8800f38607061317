#!/usr/bin/env pwsh
# ActorPool build script. Run through the local tool manifest:
#   dotnet tool restore
#   dotnet pwsh -File build.ps1 <target>
# Targets: build (default), test, pack, bench, run.
# pack: .nupkg + .snupkg of every packable project under src/ into artifacts/packages (-Version overrides VersionPrefix).
param(
    [ValidateSet('build', 'test', 'pack', 'bench', 'run')]
    [string] $Target = 'build',
    [string] $Configuration = 'Release',
    [string] $Version = ''
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Step([string] $Name, [scriptblock] $Step) {
    Write-Host "==> $Name"
    & $Step
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

switch ($Target) {
    'build' {
        Invoke-Step 'build' { dotnet build ActorPool.sln -c $Configuration }
    }
    'test' {
        Invoke-Step 'build' { dotnet build ActorPool.sln -c $Configuration }
        $results = Join-Path $PSScriptRoot 'artifacts/test-results'
        if (Test-Path $results) { Remove-Item -Recurse -Force $results }
        dotnet test ActorPool.sln -c $Configuration --no-build --logger 'trx' --results-directory $results
        $testExit = $LASTEXITCODE
        $passed = 0; $failed = 0
        foreach ($trx in Get-ChildItem -Path $results -Filter '*.trx' -ErrorAction SilentlyContinue) {
            [xml] $doc = Get-Content -LiteralPath $trx.FullName -Raw
            $counters = $doc.TestRun.ResultSummary.Counters
            $passed += [int] $counters.passed
            $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        }
        if ($testExit -ne 0 -and $failed -eq 0) { $failed = 1 }
        Write-Host "$passed passed, $failed failed"
        if ($testExit -ne 0 -or $failed -ne 0) { exit 1 }
    }
    'pack' {
        $packages = Join-Path $PSScriptRoot 'artifacts/packages'
        if (Test-Path $packages) { Remove-Item -Recurse -Force $packages }
        $versionArgs = if ($Version) { @("-p:Version=$Version") } else { @() }
        # Packing the solution packs exactly the packable projects (src/ minus the gateway; tests and bench are not).
        Invoke-Step 'pack' { dotnet pack ActorPool.sln -c $Configuration -o $packages @versionArgs }
        Get-ChildItem -Path $packages -Filter '*.*nupkg' | ForEach-Object { Write-Host "  $($_.Name)" }
    }
    'bench' {
        Invoke-Step 'bench' { dotnet run --project bench/ActorPool.Bench -c Release -- @args }
    }
    'run' {
        Invoke-Step 'run' { dotnet run --project src/ActorPool.Gateway -c $Configuration }
    }
}
