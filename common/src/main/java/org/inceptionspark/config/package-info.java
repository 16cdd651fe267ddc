/**
 * The typed configuration: reference.conf's keys read into records (one per section), checked
 * with errors that name the key and the file, and audited against the papers' recipes. Uses
 * Typesafe Config; knows nothing of Spark, DL4J or the model code.
 */
package org.inceptionspark.config;
