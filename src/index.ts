export {};
export * from './resilient-global-table';
export * from './fis-chaos-suite';
