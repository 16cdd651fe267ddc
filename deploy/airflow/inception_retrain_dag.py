"""Nightly retraining of inception-spark into its model registry (Apache Airflow 2, with the
apache-airflow-providers-apache-spark package).

The task runs `retrain --registry`: it warm-starts from the registry's current model, trains,
evaluates the candidate and the current model on the same validation images, and promotes the
candidate only if the gate passes. Exit codes: 0 promoted, 3 refused by the gate (the task fails,
so the refusal is visible and alerts), 2 bad input, 4 another retrain holds the registry's lock.
A retry (retries=1) resumes the same run from its checkpoints: run.name is the schedule's date.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

REGISTRY = "hdfs:///models/inception-v3"
CONFIG = "/opt/inception-spark/conf/inception-v3-imagenet-50x32.conf"

with DAG(
    dag_id="inception_spark_nightly_retrain",
    schedule="0 1 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # never two retrains at once (the registry lock would refuse the second)
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["inception-spark"],
) as dag:
    SparkSubmitOperator(
        task_id="retrain",
        conn_id="spark_yarn",  # a Spark connection whose host is "yarn" (deploy-mode cluster in its extras)
        application="/opt/inception-spark/inception-spark.jar",
        java_class="org.inceptionspark.driver.Main",
        application_args=[
            "retrain",
            "--config", CONFIG,
            "--registry", REGISTRY,
            "-Drun.dir=hdfs:///runs/inception-v3",
            "-Drun.name=retrain-{{ ds_nodash }}",
            "-Dschedule.epochs=2",
            "-Dregistry.max-top1-error=0.30",
            "-Dregistry.max-regression=0.005",
        ],
        properties_file="/opt/inception-spark/spark-defaults.conf",
        principal="inception@EXAMPLE.COM",
        keytab="/etc/security/keytabs/inception.keytab",
        num_executors=50,
        executor_cores=8,
        executor_memory="32g",
        driver_memory="24g",
        conf={
            "spark.task.cpus": "8",
            "spark.executor.resource.gpu.amount": "1",
            "spark.task.resource.gpu.amount": "1",
            "spark.executor.resource.gpu.discoveryScript": "/opt/inception-spark/docker/gpu-discovery.sh",
            "spark.yarn.maxAppAttempts": "2",
        },
        execution_timeout=timedelta(hours=20),
    )
