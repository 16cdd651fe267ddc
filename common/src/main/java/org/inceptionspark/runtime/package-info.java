/**
 * ND4J's native runtime for training on CPU: the switch for DL4J's oneDNN helpers, the native
 * allocator checks, DL4J's workspaces sized once, and the convolution, pooling and batch-norm
 * layers that run on oneDNN directly (JavaCPP presets) with kept, aligned and size-checked
 * buffers. May use DL4J, ND4J and oneDNN's presets; no Spark, no {@code model}.
 */
package org.inceptionspark.runtime;
