export {};
export * from './resilient-global-table';
export * from './fis-chaos-suite';
export * from './routing-parameter';
export * from './staleness-aware-reader';
export * from './replication-rerouter';
export * from './resilience-dashboard';
