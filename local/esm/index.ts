export * from './types';
export { type Clock, OffsetClock, systemClock } from './clock';
export { EventSourceMappingEngine, InvalidMappingError, type EventSourceMappingEngineOptions } from './engine';
export { FileCheckpointStore, FolderFailedRecordSink } from './stores';
export { RecordFilter, FilterPatternError } from './filter';
