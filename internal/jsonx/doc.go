// Package jsonx holds the tolerant JSON scalar types that ringwatch's models
// decode through: identifiers that arrive as JSON numbers or strings,
// timestamps that end in "Z" or "+0000", booleans sent as strings, and enum
// strings interned so that decoding a documented value does not allocate.
//
// These types appear only in the unexported wire structs of the model
// packages; public model fields are plain Go types.
package jsonx
