export * from './fis-chaos-suite';
export * from './handler-function-options';
export * from './replication-rerouter';
export * from './resilience-dashboard';
export * from './resilient-global-table';
export * from './routing-parameter';
export * from './staleness-aware-reader';
