#!/usr/bin/env pwsh
# ActorPool build script. Run through the local tool manifest:
#   dotnet tool restore
#   dotnet pwsh -File build.ps1 <target>
# Targets: build (default), test, pack, bench, run, publish, image.
# pack: .nupkg + .snupkg of every packable project under src/ into artifacts/packages (-Version overrides VersionPrefix).
# publish: the gateway as one self-contained executable for -Runtime (default linux-x64) in artifacts/gateway/<runtime>.
# image: that publish (linux-x64; -SkipPublish reuses it), then the container image -Tag (default
#        actorpool-gateway:latest) from Containerfile with podman or docker; -Base overrides the image's base.
param(
    [ValidateSet('build', 'test', 'pack', 'bench', 'run', 'publish', 'image')]
    [string] $Target = 'build',
    [string] $Configuration = 'Release',
    [string] $Version = '',
    [string] $Runtime = 'linux-x64',
    [string] $Base = '',
    [string] $Tag = 'actorpool-gateway:latest',
    [switch] $SkipPublish
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

# The gateway as one self-contained executable for $Runtime in artifacts/gateway/<runtime>: the .NET runtime and every
# managed assembly in one file; native libraries that are not part of .NET (V8's, ClearScriptV8.<runtime>.so) stay
# beside it, so nothing is extracted at start; scripts/ (the example modules, SCRIPTS_DIR) too.
function Publish-Gateway {
    $out = Join-Path $PSScriptRoot "artifacts/gateway/$Runtime"
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    Invoke-Step "publish $Runtime" {
        # Its own bin/obj tree (--artifacts-path): a publish never rewrites the obj/ of a build or test run in progress.
        dotnet publish src/ActorPool.Gateway -c $Configuration -r $Runtime --self-contained -o $out `
            --artifacts-path (Join-Path $PSScriptRoot 'artifacts/publish-build') `
            -p:PublishSingleFile=true `
            -p:PublishDocumentationFiles=false -p:PublishReferencesDocumentationFiles=false
    }
    Write-Host "  $(Join-Path $out 'ActorPool.Gateway')"
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
    'publish' {
        Publish-Gateway
    }
    'image' {
        $engine = @('podman', 'docker') | Where-Object { Get-Command $_ -ErrorAction SilentlyContinue } | Select-Object -First 1
        if (-not $engine) { throw 'image needs podman or docker on the PATH' }
        if ($Runtime -ne 'linux-x64') { throw 'image is built for linux-x64' }
        if (-not $SkipPublish) { Publish-Gateway }
        $buildArgs = @('build', '-f', 'Containerfile', '-t', $Tag, '--network', 'host')
        # podman writes OCI images by default, which have no HEALTHCHECK; the Docker format keeps it.
        if ($engine -eq 'podman') { $buildArgs += @('--format', 'docker') }
        if ($Base) { $buildArgs += @('--build-arg', "BASE=$Base") }
        Invoke-Step "$engine build" { & $engine @buildArgs . }
        Write-Host "  $Tag"
    }
}
