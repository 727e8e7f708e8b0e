"""The proxy's stand-in for memcache: a dict in the proxy process (no memcached on these machines).

Used by the ``cache`` filter of both profiles' proxy pipelines
(``paste.filter_factory = tripleo_plan_actions.undercloud.servers.swift_cache:cache_filter_factory``).
Only the proxy uses ``swift.cache`` (tempauth tokens, account and container info), so one dict is
right as long as the proxy is ONE process: the embedded Swift, and the production profile's
``swift-proxy-server`` with ``workers = 0``.  Standard library only (imported by stock Swift servers).
"""
from __future__ import annotations


class DictCache:
    """The subset of swift's MemcacheRing that tempauth and the proxy use, in a dict.

    Good enough because the proxy is one process; entries never expire early.
    """

    def __init__(self) -> None:
        self._data: dict = {}

    def get(self, key, raise_on_error=False):
        return self._data.get(key)

    def set(self, key, value, serialize=True, time=0, min_compress_len=0, raise_on_error=False):
        self._data[key] = value

    def incr(self, key, delta=1, time=0):
        self._data[key] = int(self._data.get(key) or 0) + delta
        return self._data[key]

    def decr(self, key, delta=1, time=0):
        return self.incr(key, -delta, time)

    def delete(self, key, server_key=None):
        self._data.pop(key, None)

    def get_multi(self, keys, server_key):
        return [self._data.get(k) for k in keys]

    def set_multi(self, mapping, server_key, serialize=True, time=0, min_compress_len=0):
        self._data.update(mapping)


_CACHE = DictCache()


def cache_filter_factory(global_conf, **local_conf):
    """PasteDeploy filter putting the in-process cache into every request's environment."""

    def cache_filter(app):
        def with_cache(environ, start_response):
            environ["swift.cache"] = _CACHE
            return app(environ, start_response)

        return with_cache

    return cache_filter
