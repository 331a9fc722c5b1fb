package io.pigeon.broker;

import org.osgi.annotation.versioning.ProviderType;

/** An in-process subscription. Closing it unsubscribes; closing twice does nothing. */
@ProviderType
public interface Subscription extends AutoCloseable {

    String topicFilter();

    int qos();

    @Override
    void close();
}
