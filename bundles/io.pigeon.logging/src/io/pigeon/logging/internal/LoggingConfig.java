package io.pigeon.logging.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID io.pigeon.logging, written by io.pigeon.config from the log_* directives of etc/pigeon.conf. */
@ObjectClassDefinition(name = "Pigeon logging", description = "Where Pigeon logs and at which levels.")
@interface LoggingConfig {

    @AttributeDefinition(description = "Level of every logger without its own: error, warning, info, debug or trace.")
    String log_level() default "info";

    @AttributeDefinition(description = "Levels of single loggers and their children, as LOGGER=LEVEL.")
    String[] log_levels() default {};

    @AttributeDefinition(description = "stdout and/or file.")
    String[] log_dest() default {"stdout", "file"};

    @AttributeDefinition(description = "The log file; empty: ${pigeon.logs}/pigeon.log, or no file without pigeon.logs.")
    String log_file() default "";

    @AttributeDefinition(description = "Size at which the log file is rotated.")
    long log_file_max_bytes() default 5L * 1024 * 1024;

    @AttributeDefinition(description = "How many rotated files are kept, the current one included.")
    int log_file_count() default 3;

    @AttributeDefinition(description = "Start each line with an ISO-8601 UTC time stamp.")
    boolean log_timestamp() default true;
}
