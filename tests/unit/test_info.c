/*
 * test_info.c - INFO parsing, against replies captured from Debian's
 * redis-server 7.0.15 and against malformed and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/info.h"

/*
 * Fixtures: full INFO replies of redis-server 7.0.15, with the executable
 * path and kernel name neutralised.  A master on port 22461 with two
 * replicas (22462, and 22463 which runs with replica-priority 0 and
 * replica-announced no); the first replica with its link up; the same
 * replica 2.5 s after its master was killed; the priority-0 replica.
 */
static const char FIXTURE_MASTER[] =
    "# Server\r\n"
    "redis_version:7.0.15\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_git_dirty:0\r\n"
    "redis_build_id:ae4d7c971a948f0\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 6.1.0-18-amd64 x86_64\r\n"
    "arch_bits:64\r\n"
    "monotonic_clock:POSIX clock_gettime\r\n"
    "multiplexing_api:epoll\r\n"
    "atomicvar_api:c11-builtin\r\n"
    "gcc_version:12.2.0\r\n"
    "process_id:4589\r\n"
    "process_supervised:no\r\n"
    "run_id:ed644162cfa91518efa2de87f9c7def457d41b29\r\n"
    "tcp_port:22461\r\n"
    "server_time_usec:1795305038245861\r\n"
    "uptime_in_seconds:9\r\n"
    "uptime_in_days:0\r\n"
    "hz:10\r\n"
    "configured_hz:10\r\n"
    "lru_clock:142926\r\n"
    "executable:/usr/bin/redis-server\r\n"
    "config_file:\r\n"
    "io_threads_active:0\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:3\r\n"
    "cluster_connections:0\r\n"
    "maxclients:10000\r\n"
    "client_recent_max_input_buffer:20480\r\n"
    "client_recent_max_output_buffer:20504\r\n"
    "blocked_clients:0\r\n"
    "tracking_clients:0\r\n"
    "clients_in_timeout_table:0\r\n"
    "\r\n"
    "# Memory\r\n"
    "used_memory:1226584\r\n"
    "used_memory_human:1.17M\r\n"
    "used_memory_rss:12562432\r\n"
    "used_memory_rss_human:11.98M\r\n"
    "used_memory_peak:1226584\r\n"
    "used_memory_peak_human:1.17M\r\n"
    "used_memory_peak_perc:100.11%\r\n"
    "used_memory_overhead:941628\r\n"
    "used_memory_startup:876248\r\n"
    "used_memory_dataset:284956\r\n"
    "used_memory_dataset_perc:81.34%\r\n"
    "allocator_allocated:2094304\r\n"
    "allocator_active:2306048\r\n"
    "allocator_resident:4976640\r\n"
    "total_system_memory:25276510208\r\n"
    "total_system_memory_human:23.54G\r\n"
    "used_memory_lua:32768\r\n"
    "used_memory_vm_eval:32768\r\n"
    "used_memory_lua_human:32.00K\r\n"
    "used_memory_scripts_eval:0\r\n"
    "number_of_cached_scripts:0\r\n"
    "number_of_functions:0\r\n"
    "number_of_libraries:0\r\n"
    "used_memory_vm_functions:33792\r\n"
    "used_memory_vm_total:66560\r\n"
    "used_memory_vm_total_human:65.00K\r\n"
    "used_memory_functions:200\r\n"
    "used_memory_scripts:200\r\n"
    "used_memory_scripts_human:200B\r\n"
    "maxmemory:0\r\n"
    "maxmemory_human:0B\r\n"
    "maxmemory_policy:noeviction\r\n"
    "allocator_frag_ratio:1.10\r\n"
    "allocator_frag_bytes:211744\r\n"
    "allocator_rss_ratio:2.16\r\n"
    "allocator_rss_bytes:2670592\r\n"
    "rss_overhead_ratio:2.52\r\n"
    "rss_overhead_bytes:7585792\r\n"
    "mem_fragmentation_ratio:10.59\r\n"
    "mem_fragmentation_bytes:11375776\r\n"
    "mem_not_counted_for_evict:0\r\n"
    "mem_replication_backlog:20508\r\n"
    "mem_total_replication_buffers:20504\r\n"
    "mem_clients_slaves:0\r\n"
    "mem_clients_normal:44600\r\n"
    "mem_cluster_links:0\r\n"
    "mem_aof_buffer:0\r\n"
    "mem_allocator:jemalloc-5.3.0\r\n"
    "active_defrag_running:0\r\n"
    "lazyfree_pending_objects:0\r\n"
    "lazyfreed_objects:0\r\n"
    "\r\n"
    "# Persistence\r\n"
    "loading:0\r\n"
    "async_loading:0\r\n"
    "current_cow_peak:0\r\n"
    "current_cow_size:0\r\n"
    "current_cow_size_age:0\r\n"
    "current_fork_perc:0.00\r\n"
    "current_save_keys_processed:0\r\n"
    "current_save_keys_total:0\r\n"
    "rdb_changes_since_last_save:2\r\n"
    "rdb_bgsave_in_progress:0\r\n"
    "rdb_last_save_time:1795305029\r\n"
    "rdb_last_bgsave_status:ok\r\n"
    "rdb_last_bgsave_time_sec:0\r\n"
    "rdb_current_bgsave_time_sec:-1\r\n"
    "rdb_saves:0\r\n"
    "rdb_last_cow_size:352256\r\n"
    "rdb_last_load_keys_expired:0\r\n"
    "rdb_last_load_keys_loaded:0\r\n"
    "aof_enabled:0\r\n"
    "aof_rewrite_in_progress:0\r\n"
    "aof_rewrite_scheduled:0\r\n"
    "aof_last_rewrite_time_sec:-1\r\n"
    "aof_current_rewrite_time_sec:-1\r\n"
    "aof_last_bgrewrite_status:ok\r\n"
    "aof_rewrites:0\r\n"
    "aof_rewrites_consecutive_failures:0\r\n"
    "aof_last_write_status:ok\r\n"
    "aof_last_cow_size:0\r\n"
    "module_fork_in_progress:0\r\n"
    "module_fork_last_cow_size:0\r\n"
    "\r\n"
    "# Stats\r\n"
    "total_connections_received:8\r\n"
    "total_commands_processed:36\r\n"
    "instantaneous_ops_per_sec:2\r\n"
    "total_net_input_bytes:1521\r\n"
    "total_net_output_bytes:12021\r\n"
    "total_net_repl_input_bytes:0\r\n"
    "total_net_repl_output_bytes:1192\r\n"
    "instantaneous_input_kbps:0.14\r\n"
    "instantaneous_output_kbps:0.25\r\n"
    "instantaneous_input_repl_kbps:0.00\r\n"
    "instantaneous_output_repl_kbps:0.16\r\n"
    "rejected_connections:0\r\n"
    "sync_full:2\r\n"
    "sync_partial_ok:0\r\n"
    "sync_partial_err:0\r\n"
    "expired_keys:0\r\n"
    "expired_stale_perc:0.00\r\n"
    "expired_time_cap_reached_count:0\r\n"
    "expire_cycle_cpu_milliseconds:0\r\n"
    "evicted_keys:0\r\n"
    "evicted_clients:0\r\n"
    "total_eviction_exceeded_time:0\r\n"
    "current_eviction_exceeded_time:0\r\n"
    "keyspace_hits:0\r\n"
    "keyspace_misses:0\r\n"
    "pubsub_channels:1\r\n"
    "pubsub_patterns:0\r\n"
    "pubsubshard_channels:0\r\n"
    "latest_fork_usec:415\r\n"
    "total_forks:1\r\n"
    "migrate_cached_sockets:0\r\n"
    "slave_expires_tracked_keys:0\r\n"
    "active_defrag_hits:0\r\n"
    "active_defrag_misses:0\r\n"
    "active_defrag_key_hits:0\r\n"
    "active_defrag_key_misses:0\r\n"
    "total_active_defrag_time:0\r\n"
    "current_active_defrag_time:0\r\n"
    "tracking_total_keys:0\r\n"
    "tracking_total_items:0\r\n"
    "tracking_total_prefixes:0\r\n"
    "unexpected_error_replies:0\r\n"
    "total_error_replies:0\r\n"
    "dump_payload_sanitizations:0\r\n"
    "total_reads_processed:36\r\n"
    "total_writes_processed:34\r\n"
    "io_threaded_reads_processed:0\r\n"
    "io_threaded_writes_processed:0\r\n"
    "reply_buffer_shrinks:4\r\n"
    "reply_buffer_expands:0\r\n"
    "\r\n"
    "# Replication\r\n"
    "role:master\r\n"
    "connected_slaves:2\r\n"
    "slave0:ip=127.0.0.1,port=22462,state=online,offset=479,lag=1\r\n"
    "slave1:ip=127.0.0.1,port=22463,state=online,offset=479,lag=1\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:380ada7a650ed004ce638a387b78fa022b8f55f4\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:644\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:1\r\n"
    "repl_backlog_histlen:644\r\n"
    "\r\n"
    "# CPU\r\n"
    "used_cpu_sys:0.006379\r\n"
    "used_cpu_user:0.012212\r\n"
    "used_cpu_sys_children:0.000000\r\n"
    "used_cpu_user_children:0.001814\r\n"
    "used_cpu_sys_main_thread:0.007428\r\n"
    "used_cpu_user_main_thread:0.011142\r\n"
    "\r\n"
    "# Modules\r\n"
    "\r\n"
    "# Errorstats\r\n"
    "\r\n"
    "# Cluster\r\n"
    "cluster_enabled:0\r\n"
    "\r\n"
    "# Keyspace\r\n"
    "db0:keys=1,expires=0,avg_ttl=0\r\n";

static const char FIXTURE_REPLICA[] =
    "# Server\r\n"
    "redis_version:7.0.15\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_git_dirty:0\r\n"
    "redis_build_id:ae4d7c971a948f0\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 6.1.0-18-amd64 x86_64\r\n"
    "arch_bits:64\r\n"
    "monotonic_clock:POSIX clock_gettime\r\n"
    "multiplexing_api:epoll\r\n"
    "atomicvar_api:c11-builtin\r\n"
    "gcc_version:12.2.0\r\n"
    "process_id:4590\r\n"
    "process_supervised:no\r\n"
    "run_id:524644a22ddf97cfc3794f5b919044e176fbf3ec\r\n"
    "tcp_port:22462\r\n"
    "server_time_usec:1795305038250558\r\n"
    "uptime_in_seconds:9\r\n"
    "uptime_in_days:0\r\n"
    "hz:10\r\n"
    "configured_hz:10\r\n"
    "lru_clock:142926\r\n"
    "executable:/usr/bin/redis-server\r\n"
    "config_file:\r\n"
    "io_threads_active:0\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:4\r\n"
    "cluster_connections:0\r\n"
    "maxclients:10000\r\n"
    "client_recent_max_input_buffer:20480\r\n"
    "client_recent_max_output_buffer:0\r\n"
    "blocked_clients:0\r\n"
    "tracking_clients:0\r\n"
    "clients_in_timeout_table:0\r\n"
    "\r\n"
    "# Memory\r\n"
    "used_memory:1200752\r\n"
    "used_memory_human:1.15M\r\n"
    "used_memory_rss:12197888\r\n"
    "used_memory_rss_human:11.63M\r\n"
    "used_memory_peak:1200752\r\n"
    "used_memory_peak_human:1.15M\r\n"
    "used_memory_peak_perc:101.89%\r\n"
    "used_memory_overhead:944756\r\n"
    "used_memory_startup:876368\r\n"
    "used_memory_dataset:255996\r\n"
    "used_memory_dataset_perc:78.92%\r\n"
    "allocator_allocated:2192608\r\n"
    "allocator_active:2379776\r\n"
    "allocator_resident:5099520\r\n"
    "total_system_memory:25276510208\r\n"
    "total_system_memory_human:23.54G\r\n"
    "used_memory_lua:32768\r\n"
    "used_memory_vm_eval:32768\r\n"
    "used_memory_lua_human:32.00K\r\n"
    "used_memory_scripts_eval:0\r\n"
    "number_of_cached_scripts:0\r\n"
    "number_of_functions:0\r\n"
    "number_of_libraries:0\r\n"
    "used_memory_vm_functions:33792\r\n"
    "used_memory_vm_total:66560\r\n"
    "used_memory_vm_total_human:65.00K\r\n"
    "used_memory_functions:200\r\n"
    "used_memory_scripts:200\r\n"
    "used_memory_scripts_human:200B\r\n"
    "maxmemory:0\r\n"
    "maxmemory_human:0B\r\n"
    "maxmemory_policy:noeviction\r\n"
    "allocator_frag_ratio:1.09\r\n"
    "allocator_frag_bytes:187168\r\n"
    "allocator_rss_ratio:2.14\r\n"
    "allocator_rss_bytes:2719744\r\n"
    "rss_overhead_ratio:2.39\r\n"
    "rss_overhead_bytes:7098368\r\n"
    "mem_fragmentation_ratio:11.14\r\n"
    "mem_fragmentation_bytes:11102552\r\n"
    "mem_not_counted_for_evict:0\r\n"
    "mem_replication_backlog:20508\r\n"
    "mem_total_replication_buffers:20504\r\n"
    "mem_clients_slaves:0\r\n"
    "mem_clients_normal:47576\r\n"
    "mem_cluster_links:0\r\n"
    "mem_aof_buffer:0\r\n"
    "mem_allocator:jemalloc-5.3.0\r\n"
    "active_defrag_running:0\r\n"
    "lazyfree_pending_objects:0\r\n"
    "lazyfreed_objects:0\r\n"
    "\r\n"
    "# Persistence\r\n"
    "loading:0\r\n"
    "async_loading:0\r\n"
    "current_cow_peak:0\r\n"
    "current_cow_size:0\r\n"
    "current_cow_size_age:0\r\n"
    "current_fork_perc:0.00\r\n"
    "current_save_keys_processed:0\r\n"
    "current_save_keys_total:0\r\n"
    "rdb_changes_since_last_save:1\r\n"
    "rdb_bgsave_in_progress:0\r\n"
    "rdb_last_save_time:1795305029\r\n"
    "rdb_last_bgsave_status:ok\r\n"
    "rdb_last_bgsave_time_sec:-1\r\n"
    "rdb_current_bgsave_time_sec:-1\r\n"
    "rdb_saves:0\r\n"
    "rdb_last_cow_size:0\r\n"
    "rdb_last_load_keys_expired:0\r\n"
    "rdb_last_load_keys_loaded:1\r\n"
    "aof_enabled:0\r\n"
    "aof_rewrite_in_progress:0\r\n"
    "aof_rewrite_scheduled:0\r\n"
    "aof_last_rewrite_time_sec:-1\r\n"
    "aof_current_rewrite_time_sec:-1\r\n"
    "aof_last_bgrewrite_status:ok\r\n"
    "aof_rewrites:0\r\n"
    "aof_rewrites_consecutive_failures:0\r\n"
    "aof_last_write_status:ok\r\n"
    "aof_last_cow_size:0\r\n"
    "module_fork_in_progress:0\r\n"
    "module_fork_last_cow_size:0\r\n"
    "\r\n"
    "# Stats\r\n"
    "total_connections_received:4\r\n"
    "total_commands_processed:27\r\n"
    "instantaneous_ops_per_sec:2\r\n"
    "total_net_input_bytes:1531\r\n"
    "total_net_output_bytes:37286\r\n"
    "total_net_repl_input_bytes:596\r\n"
    "total_net_repl_output_bytes:0\r\n"
    "instantaneous_input_kbps:0.18\r\n"
    "instantaneous_output_kbps:0.19\r\n"
    "instantaneous_input_repl_kbps:0.08\r\n"
    "instantaneous_output_repl_kbps:0.00\r\n"
    "rejected_connections:0\r\n"
    "sync_full:0\r\n"
    "sync_partial_ok:0\r\n"
    "sync_partial_err:0\r\n"
    "expired_keys:0\r\n"
    "expired_stale_perc:0.00\r\n"
    "expired_time_cap_reached_count:0\r\n"
    "expire_cycle_cpu_milliseconds:0\r\n"
    "evicted_keys:0\r\n"
    "evicted_clients:0\r\n"
    "total_eviction_exceeded_time:0\r\n"
    "current_eviction_exceeded_time:0\r\n"
    "keyspace_hits:0\r\n"
    "keyspace_misses:0\r\n"
    "pubsub_channels:1\r\n"
    "pubsub_patterns:0\r\n"
    "pubsubshard_channels:0\r\n"
    "latest_fork_usec:0\r\n"
    "total_forks:0\r\n"
    "migrate_cached_sockets:0\r\n"
    "slave_expires_tracked_keys:0\r\n"
    "active_defrag_hits:0\r\n"
    "active_defrag_misses:0\r\n"
    "active_defrag_key_hits:0\r\n"
    "active_defrag_key_misses:0\r\n"
    "total_active_defrag_time:0\r\n"
    "current_active_defrag_time:0\r\n"
    "tracking_total_keys:0\r\n"
    "tracking_total_items:0\r\n"
    "tracking_total_prefixes:0\r\n"
    "unexpected_error_replies:0\r\n"
    "total_error_replies:0\r\n"
    "dump_payload_sanitizations:0\r\n"
    "total_reads_processed:20\r\n"
    "total_writes_processed:25\r\n"
    "io_threaded_reads_processed:0\r\n"
    "io_threaded_writes_processed:0\r\n"
    "reply_buffer_shrinks:4\r\n"
    "reply_buffer_expands:4\r\n"
    "\r\n"
    "# Replication\r\n"
    "role:slave\r\n"
    "master_host:127.0.0.1\r\n"
    "master_port:22461\r\n"
    "master_link_status:up\r\n"
    "master_last_io_seconds_ago:0\r\n"
    "master_sync_in_progress:0\r\n"
    "slave_read_repl_offset:644\r\n"
    "slave_repl_offset:644\r\n"
    "slave_priority:100\r\n"
    "slave_read_only:1\r\n"
    "replica_announced:1\r\n"
    "connected_slaves:0\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:380ada7a650ed004ce638a387b78fa022b8f55f4\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:644\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:323\r\n"
    "repl_backlog_histlen:322\r\n"
    "\r\n"
    "# CPU\r\n"
    "used_cpu_sys:0.010483\r\n"
    "used_cpu_user:0.010503\r\n"
    "used_cpu_sys_children:0.000000\r\n"
    "used_cpu_user_children:0.000000\r\n"
    "used_cpu_sys_main_thread:0.010460\r\n"
    "used_cpu_user_main_thread:0.010480\r\n"
    "\r\n"
    "# Modules\r\n"
    "\r\n"
    "# Errorstats\r\n"
    "\r\n"
    "# Cluster\r\n"
    "cluster_enabled:0\r\n"
    "\r\n"
    "# Keyspace\r\n"
    "db0:keys=1,expires=0,avg_ttl=0\r\n";

static const char FIXTURE_REPLICA_MASTER_DOWN[] =
    "# Server\r\n"
    "redis_version:7.0.15\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_git_dirty:0\r\n"
    "redis_build_id:ae4d7c971a948f0\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 6.1.0-18-amd64 x86_64\r\n"
    "arch_bits:64\r\n"
    "monotonic_clock:POSIX clock_gettime\r\n"
    "multiplexing_api:epoll\r\n"
    "atomicvar_api:c11-builtin\r\n"
    "gcc_version:12.2.0\r\n"
    "process_id:4590\r\n"
    "process_supervised:no\r\n"
    "run_id:524644a22ddf97cfc3794f5b919044e176fbf3ec\r\n"
    "tcp_port:22462\r\n"
    "server_time_usec:1795305055922242\r\n"
    "uptime_in_seconds:26\r\n"
    "uptime_in_days:0\r\n"
    "hz:10\r\n"
    "configured_hz:10\r\n"
    "lru_clock:142943\r\n"
    "executable:/usr/bin/redis-server\r\n"
    "config_file:\r\n"
    "io_threads_active:0\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:3\r\n"
    "cluster_connections:0\r\n"
    "maxclients:10000\r\n"
    "client_recent_max_input_buffer:20480\r\n"
    "client_recent_max_output_buffer:0\r\n"
    "blocked_clients:0\r\n"
    "tracking_clients:0\r\n"
    "clients_in_timeout_table:0\r\n"
    "\r\n"
    "# Memory\r\n"
    "used_memory:1200624\r\n"
    "used_memory_human:1.15M\r\n"
    "used_memory_rss:12197888\r\n"
    "used_memory_rss_human:11.63M\r\n"
    "used_memory_peak:1200752\r\n"
    "used_memory_peak_human:1.15M\r\n"
    "used_memory_peak_perc:99.99%\r\n"
    "used_memory_overhead:944756\r\n"
    "used_memory_startup:876368\r\n"
    "used_memory_dataset:255868\r\n"
    "used_memory_dataset_perc:78.91%\r\n"
    "allocator_allocated:2204048\r\n"
    "allocator_active:2469888\r\n"
    "allocator_resident:5152768\r\n"
    "total_system_memory:25276510208\r\n"
    "total_system_memory_human:23.54G\r\n"
    "used_memory_lua:32768\r\n"
    "used_memory_vm_eval:32768\r\n"
    "used_memory_lua_human:32.00K\r\n"
    "used_memory_scripts_eval:0\r\n"
    "number_of_cached_scripts:0\r\n"
    "number_of_functions:0\r\n"
    "number_of_libraries:0\r\n"
    "used_memory_vm_functions:33792\r\n"
    "used_memory_vm_total:66560\r\n"
    "used_memory_vm_total_human:65.00K\r\n"
    "used_memory_functions:200\r\n"
    "used_memory_scripts:200\r\n"
    "used_memory_scripts_human:200B\r\n"
    "maxmemory:0\r\n"
    "maxmemory_human:0B\r\n"
    "maxmemory_policy:noeviction\r\n"
    "allocator_frag_ratio:1.12\r\n"
    "allocator_frag_bytes:265840\r\n"
    "allocator_rss_ratio:2.09\r\n"
    "allocator_rss_bytes:2682880\r\n"
    "rss_overhead_ratio:2.37\r\n"
    "rss_overhead_bytes:7045120\r\n"
    "mem_fragmentation_ratio:10.51\r\n"
    "mem_fragmentation_bytes:11037176\r\n"
    "mem_not_counted_for_evict:0\r\n"
    "mem_replication_backlog:20508\r\n"
    "mem_total_replication_buffers:20504\r\n"
    "mem_clients_slaves:0\r\n"
    "mem_clients_normal:47576\r\n"
    "mem_cluster_links:0\r\n"
    "mem_aof_buffer:0\r\n"
    "mem_allocator:jemalloc-5.3.0\r\n"
    "active_defrag_running:0\r\n"
    "lazyfree_pending_objects:0\r\n"
    "lazyfreed_objects:0\r\n"
    "\r\n"
    "# Persistence\r\n"
    "loading:0\r\n"
    "async_loading:0\r\n"
    "current_cow_peak:0\r\n"
    "current_cow_size:0\r\n"
    "current_cow_size_age:0\r\n"
    "current_fork_perc:0.00\r\n"
    "current_save_keys_processed:0\r\n"
    "current_save_keys_total:0\r\n"
    "rdb_changes_since_last_save:1\r\n"
    "rdb_bgsave_in_progress:0\r\n"
    "rdb_last_save_time:1795305029\r\n"
    "rdb_last_bgsave_status:ok\r\n"
    "rdb_last_bgsave_time_sec:-1\r\n"
    "rdb_current_bgsave_time_sec:-1\r\n"
    "rdb_saves:0\r\n"
    "rdb_last_cow_size:0\r\n"
    "rdb_last_load_keys_expired:0\r\n"
    "rdb_last_load_keys_loaded:1\r\n"
    "aof_enabled:0\r\n"
    "aof_rewrite_in_progress:0\r\n"
    "aof_rewrite_scheduled:0\r\n"
    "aof_last_rewrite_time_sec:-1\r\n"
    "aof_current_rewrite_time_sec:-1\r\n"
    "aof_last_bgrewrite_status:ok\r\n"
    "aof_rewrites:0\r\n"
    "aof_rewrites_consecutive_failures:0\r\n"
    "aof_last_write_status:ok\r\n"
    "aof_last_cow_size:0\r\n"
    "module_fork_in_progress:0\r\n"
    "module_fork_last_cow_size:0\r\n"
    "\r\n"
    "# Stats\r\n"
    "total_connections_received:6\r\n"
    "total_commands_processed:67\r\n"
    "instantaneous_ops_per_sec:1\r\n"
    "total_net_input_bytes:4041\r\n"
    "total_net_output_bytes:61566\r\n"
    "total_net_repl_input_bytes:1562\r\n"
    "total_net_repl_output_bytes:0\r\n"
    "instantaneous_input_kbps:0.02\r\n"
    "instantaneous_output_kbps:3.17\r\n"
    "instantaneous_input_repl_kbps:0.00\r\n"
    "instantaneous_output_repl_kbps:0.00\r\n"
    "rejected_connections:0\r\n"
    "sync_full:0\r\n"
    "sync_partial_ok:0\r\n"
    "sync_partial_err:0\r\n"
    "expired_keys:0\r\n"
    "expired_stale_perc:0.00\r\n"
    "expired_time_cap_reached_count:0\r\n"
    "expire_cycle_cpu_milliseconds:0\r\n"
    "evicted_keys:0\r\n"
    "evicted_clients:0\r\n"
    "total_eviction_exceeded_time:0\r\n"
    "current_eviction_exceeded_time:0\r\n"
    "keyspace_hits:0\r\n"
    "keyspace_misses:0\r\n"
    "pubsub_channels:1\r\n"
    "pubsub_patterns:0\r\n"
    "pubsubshard_channels:0\r\n"
    "latest_fork_usec:0\r\n"
    "total_forks:0\r\n"
    "migrate_cached_sockets:0\r\n"
    "slave_expires_tracked_keys:0\r\n"
    "active_defrag_hits:0\r\n"
    "active_defrag_misses:0\r\n"
    "active_defrag_key_hits:0\r\n"
    "active_defrag_key_misses:0\r\n"
    "total_active_defrag_time:0\r\n"
    "current_active_defrag_time:0\r\n"
    "tracking_total_keys:0\r\n"
    "tracking_total_items:0\r\n"
    "tracking_total_prefixes:0\r\n"
    "unexpected_error_replies:0\r\n"
    "total_error_replies:0\r\n"
    "dump_payload_sanitizations:0\r\n"
    "total_reads_processed:62\r\n"
    "total_writes_processed:89\r\n"
    "io_threaded_reads_processed:0\r\n"
    "io_threaded_writes_processed:0\r\n"
    "reply_buffer_shrinks:7\r\n"
    "reply_buffer_expands:6\r\n"
    "\r\n"
    "# Replication\r\n"
    "role:slave\r\n"
    "master_host:127.0.0.1\r\n"
    "master_port:22461\r\n"
    "master_link_status:down\r\n"
    "master_last_io_seconds_ago:-1\r\n"
    "master_sync_in_progress:0\r\n"
    "slave_read_repl_offset:1610\r\n"
    "slave_repl_offset:1610\r\n"
    "master_link_down_since_seconds:2\r\n"
    "slave_priority:100\r\n"
    "slave_read_only:1\r\n"
    "replica_announced:1\r\n"
    "connected_slaves:0\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:380ada7a650ed004ce638a387b78fa022b8f55f4\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:1610\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:323\r\n"
    "repl_backlog_histlen:1288\r\n"
    "\r\n"
    "# CPU\r\n"
    "used_cpu_sys:0.028858\r\n"
    "used_cpu_user:0.017327\r\n"
    "used_cpu_sys_children:0.000000\r\n"
    "used_cpu_user_children:0.000000\r\n"
    "used_cpu_sys_main_thread:0.028763\r\n"
    "used_cpu_user_main_thread:0.017271\r\n"
    "\r\n"
    "# Modules\r\n"
    "\r\n"
    "# Errorstats\r\n"
    "\r\n"
    "# Cluster\r\n"
    "cluster_enabled:0\r\n"
    "\r\n"
    "# Keyspace\r\n"
    "db0:keys=1,expires=0,avg_ttl=0\r\n";

static const char FIXTURE_REPLICA_PRIO0[] =
    "# Server\r\n"
    "redis_version:7.0.15\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_git_dirty:0\r\n"
    "redis_build_id:ae4d7c971a948f0\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 6.1.0-18-amd64 x86_64\r\n"
    "arch_bits:64\r\n"
    "monotonic_clock:POSIX clock_gettime\r\n"
    "multiplexing_api:epoll\r\n"
    "atomicvar_api:c11-builtin\r\n"
    "gcc_version:12.2.0\r\n"
    "process_id:4591\r\n"
    "process_supervised:no\r\n"
    "run_id:906585063201129c269285314b8998e6aec0b5a4\r\n"
    "tcp_port:22463\r\n"
    "server_time_usec:1795305038254940\r\n"
    "uptime_in_seconds:9\r\n"
    "uptime_in_days:0\r\n"
    "hz:10\r\n"
    "configured_hz:10\r\n"
    "lru_clock:142926\r\n"
    "executable:/usr/bin/redis-server\r\n"
    "config_file:\r\n"
    "io_threads_active:0\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:4\r\n"
    "cluster_connections:0\r\n"
    "maxclients:10000\r\n"
    "client_recent_max_input_buffer:20480\r\n"
    "client_recent_max_output_buffer:0\r\n"
    "blocked_clients:0\r\n"
    "tracking_clients:0\r\n"
    "clients_in_timeout_table:0\r\n"
    "\r\n"
    "# Memory\r\n"
    "used_memory:1200864\r\n"
    "used_memory_human:1.15M\r\n"
    "used_memory_rss:12222464\r\n"
    "used_memory_rss_human:11.66M\r\n"
    "used_memory_peak:1200864\r\n"
    "used_memory_peak_human:1.15M\r\n"
    "used_memory_peak_perc:101.89%\r\n"
    "used_memory_overhead:944868\r\n"
    "used_memory_startup:876480\r\n"
    "used_memory_dataset:255996\r\n"
    "used_memory_dataset_perc:78.92%\r\n"
    "allocator_allocated:2192608\r\n"
    "allocator_active:2379776\r\n"
    "allocator_resident:5099520\r\n"
    "total_system_memory:25276510208\r\n"
    "total_system_memory_human:23.54G\r\n"
    "used_memory_lua:32768\r\n"
    "used_memory_vm_eval:32768\r\n"
    "used_memory_lua_human:32.00K\r\n"
    "used_memory_scripts_eval:0\r\n"
    "number_of_cached_scripts:0\r\n"
    "number_of_functions:0\r\n"
    "number_of_libraries:0\r\n"
    "used_memory_vm_functions:33792\r\n"
    "used_memory_vm_total:66560\r\n"
    "used_memory_vm_total_human:65.00K\r\n"
    "used_memory_functions:200\r\n"
    "used_memory_scripts:200\r\n"
    "used_memory_scripts_human:200B\r\n"
    "maxmemory:0\r\n"
    "maxmemory_human:0B\r\n"
    "maxmemory_policy:noeviction\r\n"
    "allocator_frag_ratio:1.09\r\n"
    "allocator_frag_bytes:187168\r\n"
    "allocator_rss_ratio:2.14\r\n"
    "allocator_rss_bytes:2719744\r\n"
    "rss_overhead_ratio:2.40\r\n"
    "rss_overhead_bytes:7122944\r\n"
    "mem_fragmentation_ratio:11.16\r\n"
    "mem_fragmentation_bytes:11127016\r\n"
    "mem_not_counted_for_evict:0\r\n"
    "mem_replication_backlog:20508\r\n"
    "mem_total_replication_buffers:20504\r\n"
    "mem_clients_slaves:0\r\n"
    "mem_clients_normal:47576\r\n"
    "mem_cluster_links:0\r\n"
    "mem_aof_buffer:0\r\n"
    "mem_allocator:jemalloc-5.3.0\r\n"
    "active_defrag_running:0\r\n"
    "lazyfree_pending_objects:0\r\n"
    "lazyfreed_objects:0\r\n"
    "\r\n"
    "# Persistence\r\n"
    "loading:0\r\n"
    "async_loading:0\r\n"
    "current_cow_peak:0\r\n"
    "current_cow_size:0\r\n"
    "current_cow_size_age:0\r\n"
    "current_fork_perc:0.00\r\n"
    "current_save_keys_processed:0\r\n"
    "current_save_keys_total:0\r\n"
    "rdb_changes_since_last_save:1\r\n"
    "rdb_bgsave_in_progress:0\r\n"
    "rdb_last_save_time:1795305029\r\n"
    "rdb_last_bgsave_status:ok\r\n"
    "rdb_last_bgsave_time_sec:-1\r\n"
    "rdb_current_bgsave_time_sec:-1\r\n"
    "rdb_saves:0\r\n"
    "rdb_last_cow_size:0\r\n"
    "rdb_last_load_keys_expired:0\r\n"
    "rdb_last_load_keys_loaded:1\r\n"
    "aof_enabled:0\r\n"
    "aof_rewrite_in_progress:0\r\n"
    "aof_rewrite_scheduled:0\r\n"
    "aof_last_rewrite_time_sec:-1\r\n"
    "aof_current_rewrite_time_sec:-1\r\n"
    "aof_last_bgrewrite_status:ok\r\n"
    "aof_rewrites:0\r\n"
    "aof_rewrites_consecutive_failures:0\r\n"
    "aof_last_write_status:ok\r\n"
    "aof_last_cow_size:0\r\n"
    "module_fork_in_progress:0\r\n"
    "module_fork_last_cow_size:0\r\n"
    "\r\n"
    "# Stats\r\n"
    "total_connections_received:4\r\n"
    "total_commands_processed:27\r\n"
    "instantaneous_ops_per_sec:2\r\n"
    "total_net_input_bytes:1531\r\n"
    "total_net_output_bytes:37272\r\n"
    "total_net_repl_input_bytes:596\r\n"
    "total_net_repl_output_bytes:0\r\n"
    "instantaneous_input_kbps:0.18\r\n"
    "instantaneous_output_kbps:0.19\r\n"
    "instantaneous_input_repl_kbps:0.08\r\n"
    "instantaneous_output_repl_kbps:0.00\r\n"
    "rejected_connections:0\r\n"
    "sync_full:0\r\n"
    "sync_partial_ok:0\r\n"
    "sync_partial_err:0\r\n"
    "expired_keys:0\r\n"
    "expired_stale_perc:0.00\r\n"
    "expired_time_cap_reached_count:0\r\n"
    "expire_cycle_cpu_milliseconds:0\r\n"
    "evicted_keys:0\r\n"
    "evicted_clients:0\r\n"
    "total_eviction_exceeded_time:0\r\n"
    "current_eviction_exceeded_time:0\r\n"
    "keyspace_hits:0\r\n"
    "keyspace_misses:0\r\n"
    "pubsub_channels:1\r\n"
    "pubsub_patterns:0\r\n"
    "pubsubshard_channels:0\r\n"
    "latest_fork_usec:0\r\n"
    "total_forks:0\r\n"
    "migrate_cached_sockets:0\r\n"
    "slave_expires_tracked_keys:0\r\n"
    "active_defrag_hits:0\r\n"
    "active_defrag_misses:0\r\n"
    "active_defrag_key_hits:0\r\n"
    "active_defrag_key_misses:0\r\n"
    "total_active_defrag_time:0\r\n"
    "current_active_defrag_time:0\r\n"
    "tracking_total_keys:0\r\n"
    "tracking_total_items:0\r\n"
    "tracking_total_prefixes:0\r\n"
    "unexpected_error_replies:0\r\n"
    "total_error_replies:0\r\n"
    "dump_payload_sanitizations:0\r\n"
    "total_reads_processed:20\r\n"
    "total_writes_processed:23\r\n"
    "io_threaded_reads_processed:0\r\n"
    "io_threaded_writes_processed:0\r\n"
    "reply_buffer_shrinks:4\r\n"
    "reply_buffer_expands:4\r\n"
    "\r\n"
    "# Replication\r\n"
    "role:slave\r\n"
    "master_host:127.0.0.1\r\n"
    "master_port:22461\r\n"
    "master_link_status:up\r\n"
    "master_last_io_seconds_ago:0\r\n"
    "master_sync_in_progress:0\r\n"
    "slave_read_repl_offset:644\r\n"
    "slave_repl_offset:644\r\n"
    "slave_priority:0\r\n"
    "slave_read_only:1\r\n"
    "replica_announced:0\r\n"
    "connected_slaves:0\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:380ada7a650ed004ce638a387b78fa022b8f55f4\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:644\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:323\r\n"
    "repl_backlog_histlen:322\r\n"
    "\r\n"
    "# CPU\r\n"
    "used_cpu_sys:0.005749\r\n"
    "used_cpu_user:0.013491\r\n"
    "used_cpu_sys_children:0.000000\r\n"
    "used_cpu_user_children:0.000000\r\n"
    "used_cpu_sys_main_thread:0.005644\r\n"
    "used_cpu_user_main_thread:0.013543\r\n"
    "\r\n"
    "# Modules\r\n"
    "\r\n"
    "# Errorstats\r\n"
    "\r\n"
    "# Cluster\r\n"
    "cluster_enabled:0\r\n"
    "\r\n"
    "# Keyspace\r\n"
    "db0:keys=1,expires=0,avg_ttl=0\r\n";

/* Parses s from a heap copy of exactly strlen(s) bytes with no NUL after
 * it, so that ASan catches any read past len. */
static void parse(const char *s, struct info_report *r)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);

    assert_non_null(copy);
    memcpy(copy, s, len);
    assert_int_equal(info_parse(copy, len, r), 0);
    free(copy);
}

static void test_master_with_two_replicas(void **state)
{
    struct info_report r;

    (void)state;
    parse(FIXTURE_MASTER, &r);
    assert_string_equal(r.run_id, "ed644162cfa91518efa2de87f9c7def457d41b29");
    assert_int_equal(r.role, ROLE_MASTER);
    assert_int_equal(r.replica_count, 2);
    assert_string_equal(r.replicas[0].host, "127.0.0.1");
    assert_int_equal(r.replicas[0].port, 22462);
    assert_int_equal(r.replicas[0].online, 1);
    assert_int_equal(r.replicas[0].offset, 479);
    assert_int_equal(r.replicas[0].lag_s, 1);
    /* A replica with replica-announced no is still listed by its master. */
    assert_string_equal(r.replicas[1].host, "127.0.0.1");
    assert_int_equal(r.replicas[1].port, 22463);
    assert_int_equal(r.master_repl_offset, 644);
    /* Replica-side fields keep their defaults on a master. */
    assert_string_equal(r.master_host, "");
    assert_int_equal(r.master_port, 0);
    assert_int_equal(r.master_link_up, 0);
    assert_int_equal(r.master_link_down_since_s, -1);
    assert_int_equal(r.replica_priority, 100);
    assert_int_equal(r.repl_offset, 0);
    assert_int_equal(r.replica_announced, 1);
    info_report_clear(&r);
    assert_null(r.replicas);
    assert_int_equal(r.replica_count, 0);
}

static void test_replica_link_up(void **state)
{
    struct info_report r;

    (void)state;
    parse(FIXTURE_REPLICA, &r);
    assert_string_equal(r.run_id, "524644a22ddf97cfc3794f5b919044e176fbf3ec");
    assert_int_equal(r.role, ROLE_REPLICA);
    assert_int_equal(r.replica_count, 0);
    assert_string_equal(r.master_host, "127.0.0.1");
    assert_int_equal(r.master_port, 22461);
    assert_int_equal(r.master_link_up, 1);
    assert_int_equal(r.master_link_down_since_s, -1);
    assert_int_equal(r.replica_priority, 100);
    assert_int_equal(r.repl_offset, 644);
    assert_int_equal(r.replica_announced, 1);
    assert_int_equal(r.master_repl_offset, 644);
    info_report_clear(&r);
}

static void test_replica_master_down(void **state)
{
    struct info_report r;

    (void)state;
    parse(FIXTURE_REPLICA_MASTER_DOWN, &r);
    assert_int_equal(r.role, ROLE_REPLICA);
    assert_int_equal(r.master_link_up, 0);
    assert_int_equal(r.master_link_down_since_s, 2);
    assert_int_equal(r.repl_offset, 1610);
    assert_string_equal(r.master_host, "127.0.0.1");
    assert_int_equal(r.master_port, 22461);
    info_report_clear(&r);
}

static void test_replica_priority_zero_not_announced(void **state)
{
    struct info_report r;

    (void)state;
    parse(FIXTURE_REPLICA_PRIO0, &r);
    assert_string_equal(r.run_id, "906585063201129c269285314b8998e6aec0b5a4");
    assert_int_equal(r.role, ROLE_REPLICA);
    assert_int_equal(r.master_link_up, 1);
    assert_int_equal(r.replica_priority, 0);
    assert_int_equal(r.replica_announced, 0);
    assert_int_equal(r.repl_offset, 644);
    info_report_clear(&r);
}

/* Observed on redis-server 7.0.15 right after REPLICAOF, before the first
 * sync: the link is down and its down time is -1; the master lists the
 * replica in state wait_bgsave. */
static void test_replica_before_first_sync(void **state)
{
    struct info_report r;

    (void)state;
    parse("# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n"
          "master_port:22461\r\nmaster_link_status:down\r\n"
          "master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\n"
          "slave_read_repl_offset:1\r\nslave_repl_offset:1\r\n"
          "master_link_down_since_seconds:-1\r\nslave_priority:0\r\n", &r);
    assert_int_equal(r.master_link_up, 0);
    assert_int_equal(r.master_link_down_since_s, -1);
    assert_int_equal(r.repl_offset, 1);
    info_report_clear(&r);
    parse("role:master\r\nconnected_slaves:1\r\n"
          "slave0:ip=127.0.0.1,port=22462,state=wait_bgsave,offset=0,lag=0\r\n", &r);
    assert_int_equal(r.replica_count, 1);
    assert_int_equal(r.replicas[0].online, 0);
    assert_int_equal(r.replicas[0].offset, 0);
    info_report_clear(&r);
}

/* Observed with nodes bound to ::1: the address holds colons, and the key
 * ends at the first one. */
static void test_ipv6(void **state)
{
    struct info_report r;

    (void)state;
    parse("role:master\r\nconnected_slaves:1\r\n"
          "slave0:ip=::1,port=22472,state=online,offset=336,lag=1\r\n", &r);
    assert_int_equal(r.replica_count, 1);
    assert_string_equal(r.replicas[0].host, "::1");
    assert_int_equal(r.replicas[0].port, 22472);
    info_report_clear(&r);
    parse("role:slave\r\nmaster_host:::1\r\nmaster_port:22471\r\n"
          "master_link_status:up\r\n", &r);
    assert_string_equal(r.master_host, "::1");
    assert_int_equal(r.master_port, 22471);
    assert_int_equal(r.master_link_up, 1);
    info_report_clear(&r);
}

static void test_legacy_replica_lines(void **state)
{
    struct info_report r;

    (void)state;
    parse("role:master\nslave0:10.0.0.2,6380,online\n"
          "slave1:fe80::1,6381,send_bulk\nslave2:10.0.0.3,6382\n"
          "slave3:10.0.0.4\nslave4:10.0.0.5,0,online\nslave5:,6383,online\n", &r);
    assert_int_equal(r.replica_count, 3);
    assert_string_equal(r.replicas[0].host, "10.0.0.2");
    assert_int_equal(r.replicas[0].port, 6380);
    assert_int_equal(r.replicas[0].online, 1);
    assert_int_equal(r.replicas[0].offset, -1);
    assert_int_equal(r.replicas[0].lag_s, -1);
    assert_string_equal(r.replicas[1].host, "fe80::1");
    assert_int_equal(r.replicas[1].online, 0);
    assert_string_equal(r.replicas[2].host, "10.0.0.3");
    assert_int_equal(r.replicas[2].port, 6382);
    info_report_clear(&r);
}

static void test_replica_pairs_malformed(void **state)
{
    struct info_report r;

    (void)state;
    parse("slave0:port=6380,ip=10.0.0.9,extra=1,lag=x,offset=-5\n" /* kept */
          "slave1:ip=10.0.0.1\n"                 /* no port */
          "slave2:port=6380\n"                   /* no ip */
          "slave3:ip=10.0.0.1,port=65536\n"
          "slave4:ip=10.0.0.1,port=-1\n"
          "slave5:ip=10 0.0.1,port=6380\n"
          "slave6:ip=,port=6380\n"
          "slave7:ip=a,port=6380x\n"
          "slave8:=,=,=\n"
          "slave9:,,,\n"
          "slave:ip=10.0.0.1,port=1\n"           /* not slaveN */
          "slaves0:ip=10.0.0.1,port=1\n"
          "slave0x:ip=10.0.0.1,port=1\n"
          "slave_priority:7\n"
          "slave10:ip=h,port=65535,state=online\n", &r);
    assert_int_equal(r.replica_count, 2);
    assert_string_equal(r.replicas[0].host, "10.0.0.9");
    assert_int_equal(r.replicas[0].port, 6380);
    assert_int_equal(r.replicas[0].lag_s, -1);
    assert_int_equal(r.replicas[0].offset, -1);
    assert_string_equal(r.replicas[1].host, "h");
    assert_int_equal(r.replicas[1].port, 65535);
    assert_int_equal(r.replicas[1].online, 1);
    assert_int_equal(r.replica_priority, 7);
    info_report_clear(&r);
}

static void test_bad_values_keep_defaults(void **state)
{
    struct info_report r;

    (void)state;
    parse("run_id:ed644162cfa91518efa2de87f9c7def457d41b2\n"     /* 39 */
          "run_id:ed644162cfa91518efa2de87f9c7def457d41b299\n"   /* 41 */
          "run_id:ed644162cfa91518efa2de87f9c7def457d41b2 \n"    /* space */
          "role:sentinel\n"
          "master_host:a b\nmaster_port:0\nmaster_port:65536\n"
          "master_port:12ab\nmaster_port:\nmaster_port:+5\n"
          "master_link_down_since_seconds:-2\n"
          "master_link_down_since_seconds:1x\n"
          "slave_priority:-1\nslave_priority:2147483648\nslave_priority:\n"
          "slave_repl_offset:-7\nslave_repl_offset:99999999999999999999\n"
          "master_repl_offset:--1\n"
          "replica_announced:no\n", &r);
    assert_string_equal(r.run_id, "");
    assert_int_equal(r.role, ROLE_UNKNOWN);
    assert_string_equal(r.master_host, "");
    assert_int_equal(r.master_port, 0);
    assert_int_equal(r.master_link_down_since_s, -1);
    assert_int_equal(r.replica_priority, 100);
    assert_int_equal(r.repl_offset, 0);
    assert_int_equal(r.master_repl_offset, -1);
    assert_int_equal(r.replica_announced, 1);
    info_report_clear(&r);
}

static void test_number_edges(void **state)
{
    struct info_report r;

    (void)state;
    parse("slave_repl_offset:9223372036854775807\n"
          "master_repl_offset:9223372036854775808\n"           /* overflows */
          "master_link_down_since_seconds:9223372036854775807\n"
          "slave_priority:2147483647\nmaster_port:65535\n", &r);
    assert_true(r.repl_offset == 9223372036854775807LL);
    assert_int_equal(r.master_repl_offset, -1);
    assert_true(r.master_link_down_since_s == INFO_SECONDS_MAX);
    assert_int_equal(r.replica_priority, 2147483647);
    assert_int_equal(r.master_port, 65535);
    info_report_clear(&r);
    parse("master_link_down_since_seconds:-9223372036854775808\n"
          "master_link_down_since_seconds:0\n"
          "master_repl_offset:-9223372036854775809\n", &r);
    assert_int_equal(r.master_link_down_since_s, 0);
    assert_int_equal(r.master_repl_offset, -1);
    info_report_clear(&r);
}

/* Keys match whole: look-alike fields the real reply holds must not be
 * taken for the ones we want. */
static void test_lookalike_keys(void **state)
{
    struct info_report r;

    (void)state;
    parse("slave_read_repl_offset:55\nmaster_replid:abc\nrun_idx:x\n"
          "role_x:master\nmaster_hostname:evil\nmaster_port_x:1\n"
          "mem_clients_slaves:0\nslave_expires_tracked_keys:0\n"
          "connected_slaves:2\nROLE:master\n", &r);
    assert_int_equal(r.repl_offset, 0);
    assert_int_equal(r.role, ROLE_UNKNOWN);
    assert_string_equal(r.master_host, "");
    assert_int_equal(r.master_port, 0);
    assert_int_equal(r.replica_count, 0);
    info_report_clear(&r);
}

static void test_line_endings_and_headers(void **state)
{
    struct info_report r;

    (void)state;
    /* LF only, a missing final newline, blank lines, stray CRs, headers
     * that look like fields, a line without a colon. */
    parse("\n\n# role:slave\r\nrole:master\n\r\nnonsense\nreplica_priority:3\r\r\n"
          "slave0:ip=h1,port=1\r", &r);
    assert_int_equal(r.role, ROLE_MASTER);
    assert_int_equal(r.replica_priority, 100); /* "3\r" is not a number */
    assert_int_equal(r.replica_count, 1);
    assert_string_equal(r.replicas[0].host, "h1");
    info_report_clear(&r);
    /* replica_priority (newer name) is read too; the last line wins. */
    parse("slave_priority:10\nreplica_priority:20\n", &r);
    assert_int_equal(r.replica_priority, 20);
    info_report_clear(&r);
}

static void test_empty_and_null(void **state)
{
    struct info_report r;

    (void)state;
    assert_int_equal(info_parse(NULL, 0, &r), 0);
    assert_int_equal(r.role, ROLE_UNKNOWN);
    assert_string_equal(r.run_id, "");
    assert_int_equal(r.replica_priority, 100);
    info_report_clear(&r);
    info_report_clear(&r);
    assert_int_equal(info_parse("role:master", 0, &r), 0);
    assert_int_equal(r.role, ROLE_UNKNOWN);
    info_report_clear(&r);
    /* len stops the parser even when the text goes on. */
    assert_int_equal(info_parse("role:master\nrole:slave\n", 12, &r), 0);
    assert_int_equal(r.role, ROLE_MASTER);
    info_report_clear(&r);
    /* A NUL inside a value makes it malformed, not shorter. */
    assert_int_equal(info_parse("role:slave\0x\nmaster_port:1\0\n", 27, &r), 0);
    assert_int_equal(r.role, ROLE_UNKNOWN);
    assert_int_equal(r.master_port, 0);
    info_report_clear(&r);
}

static void test_host_length_limit(void **state)
{
    char text[3 * HOST_MAX];
    char host[HOST_MAX + 1];
    struct info_report r;

    (void)state;
    memset(host, 'h', HOST_MAX - 1);
    host[HOST_MAX - 1] = '\0';
    snprintf(text, sizeof(text), "master_host:%s\nslave0:ip=%s,port=1\n", host, host);
    parse(text, &r);
    assert_int_equal(strlen(r.master_host), HOST_MAX - 1);
    assert_int_equal(r.replica_count, 1);
    assert_int_equal(strlen(r.replicas[0].host), HOST_MAX - 1);
    info_report_clear(&r);
    memset(host, 'h', HOST_MAX);
    host[HOST_MAX] = '\0';
    snprintf(text, sizeof(text), "master_host:%s\nslave0:%s,1,online\n", host, host);
    parse(text, &r);
    assert_string_equal(r.master_host, "");
    assert_int_equal(r.replica_count, 0);
    info_report_clear(&r);
}

static void test_replica_cap(void **state)
{
    size_t lines = INFO_REPLICAS_MAX + 50, used = 0;
    size_t cap = lines * 48;
    char *text = malloc(cap);
    struct info_report r;

    (void)state;
    assert_non_null(text);
    for (size_t i = 0; i < lines; i++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "slave%zu:ip=10.0.%zu.%zu,port=6379\r\n",
                                 i, i / 256 % 256, i % 256);
    assert_int_equal(info_parse(text, used, &r), 0);
    assert_int_equal(r.replica_count, INFO_REPLICAS_MAX);
    assert_string_equal(r.replicas[INFO_REPLICAS_MAX - 1].host, "10.0.39.15");
    info_report_clear(&r);
    free(text);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void check_report(const struct info_report *r)
{
    assert_true(r->replica_count <= INFO_REPLICAS_MAX);
    assert_true(strlen(r->run_id) == 0 || strlen(r->run_id) == RUNID_LEN);
    assert_true(strlen(r->master_host) < HOST_MAX);
    assert_true(r->master_port >= 0 && r->master_port <= 65535);
    assert_true(r->master_link_down_since_s >= -1);
    assert_true(r->master_link_down_since_s <= INFO_SECONDS_MAX);
    assert_true(r->replica_priority >= 0);
    for (size_t i = 0; i < r->replica_count; i++) {
        assert_true(strlen(r->replicas[i].host) > 0);
        assert_true(r->replicas[i].port >= 1 && r->replicas[i].port <= 65535);
        assert_null(strchr(r->replicas[i].host, ','));
    }
}

/* A small in-test fuzz: random bytes, and the real replies with random
 * bytes overwritten, each parsed from an exact-size heap buffer. */
static void test_garbage(void **state)
{
    static const char *const bases[] = {
        FIXTURE_MASTER, FIXTURE_REPLICA, FIXTURE_REPLICA_MASTER_DOWN,
        FIXTURE_REPLICA_PRIO0,
    };
    static const char alphabet[] = "slave0123456789:=,ip=port\r\n#-\0 x";
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    (void)state;
    for (int round = 0; round < 4000; round++) {
        const char *base = bases[round % 4];
        size_t len = round % 2 ? strlen(base) : rng_next(&seed) % 512;
        char *buf = malloc(len ? len : 1);
        struct info_report r;

        assert_non_null(buf);
        if (round % 2) {
            memcpy(buf, base, len);
            for (int k = 0; k < 20; k++)
                buf[rng_next(&seed) % len] = (char)rng_next(&seed);
        } else {
            for (size_t i = 0; i < len; i++)
                buf[i] = rng_next(&seed) % 3 ? alphabet[rng_next(&seed) % 33]
                                             : (char)rng_next(&seed);
        }
        assert_int_equal(info_parse(buf, len, &r), 0);
        check_report(&r);
        info_report_clear(&r);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_with_two_replicas),
        cmocka_unit_test(test_replica_link_up),
        cmocka_unit_test(test_replica_master_down),
        cmocka_unit_test(test_replica_priority_zero_not_announced),
        cmocka_unit_test(test_replica_before_first_sync),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_legacy_replica_lines),
        cmocka_unit_test(test_replica_pairs_malformed),
        cmocka_unit_test(test_bad_values_keep_defaults),
        cmocka_unit_test(test_number_edges),
        cmocka_unit_test(test_lookalike_keys),
        cmocka_unit_test(test_line_endings_and_headers),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_host_length_limit),
        cmocka_unit_test(test_replica_cap),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
