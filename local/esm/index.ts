export * from './types';
export { EventSourceMappingEngine, InvalidMappingError, type EventSourceMappingEngineOptions } from './engine';
export { FileCheckpointStore, FolderFailedRecordSink } from './stores';
export { RecordFilter, FilterPatternError } from './filter';
