// Package s3items carries out a Distributed Map's S3 input and output: the ItemReader
// (arn:aws:states:::s3:getObject with ReaderConfig.InputType JSON, JSONL, CSV or MANIFEST, and
// arn:aws:states:::s3:listObjectsV2) and the ResultWriter (arn:aws:states:::s3:putObject),
// which the engine asks for as tasks of kind engine.TaskItemReader and engine.TaskResultWriter.
//
// Objects is the S3 it needs, three calls; SDK implements it over a model-driven AWS client's
// Call, and the s3itemstest package over gofakes3's in-memory backend. Objects are read in
// ranges (ChunkSize bytes at a time) and parsed as they arrive, so a reader never holds an
// object's text whole: only the items it produced, as the JSON array the engine receives.
package s3items
