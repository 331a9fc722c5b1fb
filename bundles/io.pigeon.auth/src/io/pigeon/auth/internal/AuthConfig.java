package io.pigeon.auth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The security directives of etc/pigeon.conf, as io.pigeon.config puts them in PID {@code io.pigeon.broker}, or with
 * {@code per_listener_settings true} in each {@code io.pigeon.listener} configuration ({@code allow_anonymous} arrives
 * as key "allow.anonymous", a Boolean; the files as absolute paths).
 */
@ObjectClassDefinition(name = "Pigeon clients: passwords and ACL",
        description = "Who may connect and which topics they may use, as Mosquitto's allow_anonymous, password_file"
                + " and acl_file.")
public @interface AuthConfig {

    /** Empty when the directive is absent: DS turns the Boolean into "true" or "false". */
    @AttributeDefinition(name = "allow_anonymous", required = false,
            description = "true: clients without a user name may connect from anywhere. false: never. Not set:"
                    + " only from this machine (loopback).")
    String allow_anonymous() default "";

    @AttributeDefinition(name = "password_file", required = false,
            description = "A mosquitto_passwd file; make one with `bin/pigeon passwd -c FILE USER`. Not set: user"
                    + " names are not checked and clients count as anonymous.")
    String password_file() default "";

    @AttributeDefinition(name = "acl_file", required = false,
            description = "A Mosquitto ACL file. Not set: every client may use every topic.")
    String acl_file() default "";

    @AttributeDefinition(name = "per_listener_settings", required = false,
            description = "true: each listener has its own allow_anonymous, password_file and acl_file (Mosquitto's"
                    + " per_listener_settings); these settings then apply only to in-process clients.")
    boolean per_listener_settings() default false;
}
