#!/usr/bin/env bash
# Submits inception-spark to a (Kerberos-secured) YARN cluster in cluster mode.
#
#   deploy/yarn/submit-train.sh train   --config conf/inception-v3-imagenet-50x32.conf [-Dkey=value ...]
#   deploy/yarn/submit-train.sh retrain --config conf/inception-v3-imagenet-50x32.conf --registry hdfs:///models/inception [...]
#
# Environment (defaults in brackets):
#   PRINCIPAL, KEYTAB    Kerberos principal and keytab of the job's user. Spark logs in with them and
#                        renews delegation tokens for the whole run (runs last days; tokens do not).
#   QUEUE [default]      YARN queue.  EXECUTORS [50]  GPUS_PER_EXECUTOR [1]  EXECUTOR_CORES [8]
#   JAR [driver/target/inception-spark-0.1.0-SNAPSHOT-spark.jar]  (mvn -DskipTests package; -Pcuda for GPUs)
#
# Attempts and resuming: spark.yarn.maxAppAttempts=3 lets YARN restart a failed driver (the
# ApplicationMaster) twice within spark.yarn.am.attemptFailuresValidityInterval. A new attempt runs
# the same command line: `train` finds the newest checkpoint in <run.dir>/<run.name> and resumes
# there (bit-identical to an uninterrupted run, ResumeTest), losing at most
# inception.checkpoint.every-steps steps; `retrain` resumes its run the same way and holds the
# registry's lock again (a stale lock left by a killed attempt is named in the error: remove it).
# run.dir must therefore be on HDFS, never on the driver's local disk.
#
# The driver runs in a YARN container, whose working directory is not this one: the --config file and
# the driver's log4j2.properties travel with the application (--files) and are named there by their
# base names. driver/src/test/.../TrainOnYarnIT submits the same way to a MiniYARNCluster and trains.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${PRINCIPAL:?set PRINCIPAL to the Kerberos principal, e.g. inception@EXAMPLE.COM}"
: "${KEYTAB:?set KEYTAB to the keytab file of PRINCIPAL}"
JAR=${JAR:-$ROOT/driver/target/inception-spark-0.1.0-SNAPSHOT-spark.jar}
PROPS=$ROOT/driver/target/deploy/spark-defaults.conf
for f in "$JAR" "$PROPS" "$KEYTAB"; do
  [ -f "$f" ] || { echo "submit-train.sh: $f does not exist (mvn -DskipTests package builds the jar and the properties)" >&2; exit 2; }
done
# --config F -> --config <base name of F>, F shipped with the application
ARGS=() FILES=("$ROOT/docker/gpu-discovery.sh" "$ROOT/conf/log4j2.properties")
while [ $# -gt 0 ]; do
  if [ "$1" = --config ] && [ $# -gt 1 ]; then
    [ -f "$2" ] || { echo "submit-train.sh: --config $2 does not exist" >&2; exit 2; }
    FILES+=("$2"); ARGS+=(--config "$(basename "$2")"); shift 2
  else
    ARGS+=("$1"); shift
  fi
done
# the template's driver options, with the log configuration read from the container's working directory
DRIVER_OPTS=$(sed -n 's/^spark\.driver\.extraJavaOptions[[:space:]]*//p' "$PROPS" \
  | sed 's|-Dlog4j2.configurationFile=conf/log4j2.properties|-Dlog4j2.configurationFile=log4j2.properties|')
GPUS=${GPUS_PER_EXECUTOR:-1}
CORES=${EXECUTOR_CORES:-8}
exec spark-submit \
  --master yarn --deploy-mode cluster \
  --queue "${QUEUE:-default}" \
  --principal "$PRINCIPAL" --keytab "$KEYTAB" \
  --properties-file "$PROPS" \
  --class org.inceptionspark.driver.Main \
  --num-executors "${EXECUTORS:-50}" \
  --executor-cores "$CORES" \
  --conf spark.task.cpus="$CORES" \
  --conf spark.yarn.maxAppAttempts=3 \
  --conf spark.yarn.am.attemptFailuresValidityInterval=1h \
  --conf spark.executor.resource.gpu.amount="$GPUS" \
  --conf spark.task.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.discoveryScript=gpu-discovery.sh \
  --files "$(IFS=,; echo "${FILES[*]}")" \
  --conf spark.driver.extraJavaOptions="$DRIVER_OPTS" \
  --conf spark.yarn.appMasterEnv.OMP_NUM_THREADS=8 \
  --conf spark.executorEnv.OMP_NUM_THREADS="$CORES" \
  "$JAR" "${ARGS[@]}"
