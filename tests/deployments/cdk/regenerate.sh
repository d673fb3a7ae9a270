#!/usr/bin/env bash
# Rebuilds out/<case>/ (kmslint's test data for issue 24) from apps/<case>.js with the exact
# versions of package-lock.json. Needs node and npm; reaches nothing but the npm registry (for
# `npm ci`) and no AWS credentials: every stack has an explicit account and Region.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error

# cdk.json: the context `cdk init` writes for a new project of this aws-cdk-lib version
# (CURRENTLY_RECOMMENDED_FLAGS), except that cross-stack references stay "strong" (Export and
# Fn::ImportValue, the SSM writer/reader across Regions), CDK's default and what existing apps
# synthesize; the case weak-references turns "weak" on itself.
node -e '
  const flags = { ...require("aws-cdk-lib/cx-api").CURRENTLY_RECOMMENDED_FLAGS };
  flags["@aws-cdk/core:defaultCrossStackReferences"] = "strong";
  const sorted = Object.fromEntries(Object.keys(flags).sort().map((k) => [k, flags[k]]));
  process.stdout.write(JSON.stringify({ context: sorted }, null, 2) + "\n");
' > cdk.json

# No notices, telemetry or version check: nothing but synthesis, and the same output each run.
export CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=1
cases=()
for f in apps/*.js; do
  c=$(basename "$f" .js)
  [ "$c" = common ] || cases+=("$c")
done

rm -rf out
for c in "${cases[@]}"; do
  if ! log=$(npx --no-install cdk synth --quiet --no-notices --version-reporting false \
      --app "node apps/$c.js" -o "out/$c" 2>&1); then
    printf 'cdk synth failed for %s:\n%s\n' "$c" "$log" >&2
    exit 1
  fi
done

# Keep what linting reads: manifest.json, *.template.json (nested stacks' too), *.assets.json,
# *.metadata.json (the manifest's additionalMetadataFile: construct path to logical ID),
# tree.json (the construct tree: which construct made which resource), the `cdk.out` schema
# version file, and nested assemblies (assembly-*/, stages) with the same. Drop asset
# directories (code of CDK's own Lambda handlers) and anything else.
for c in "${cases[@]}"; do
  find "out/$c" -mindepth 1 -depth \( -type d -name 'asset.*' -prune -exec rm -rf {} + \) -o \
    \( -type f ! -name manifest.json ! -name '*.template.json' ! -name '*.assets.json' \
       ! -name '*.metadata.json' ! -name tree.json ! -name cdk.out -delete \)
done
echo "regenerated: $(cd out && ls | tr '\n' ' ')"
