//! Joining a streamed body's chunks, for webhook requests and upstream responses alike: the usual
//! single chunk is kept as it arrived, and bytes are copied only once a second chunk follows.

use bytes::{Bytes, BytesMut};

#[derive(Default)]
pub(crate) struct Chunks {
    first: Option<Bytes>,
    joined: BytesMut,
}

impl Chunks {
    /// Bytes received so far, for the caller's size cap.
    pub(crate) fn len(&self) -> usize {
        self.first.as_ref().map_or(0, Bytes::len) + self.joined.len()
    }

    /// Bytes of memory the body holds: the kept first chunk, or the joined buffer's capacity
    /// (which grows ahead of its length).
    pub(crate) fn allocated(&self) -> usize {
        self.first.as_ref().map_or(0, Bytes::len) + self.joined.capacity()
    }

    /// Adds a chunk. `expected` (a declared length, 0 when unknown) sizes the joined buffer
    /// once a second chunk arrives, so it grows at most once more.
    pub(crate) fn push(&mut self, chunk: Bytes, expected: usize) {
        match self.first.take() {
            None if self.joined.is_empty() => self.first = Some(chunk),
            head => {
                if let Some(head) = head {
                    self.joined.reserve(expected.max(head.len() + chunk.len()));
                    self.joined.extend_from_slice(&head);
                }
                self.joined.extend_from_slice(&chunk);
            }
        }
    }

    pub(crate) fn into_bytes(self) -> Bytes {
        self.first.unwrap_or_else(|| self.joined.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_is_kept_without_a_copy() {
        let chunk = Bytes::from_static(b"{\"a\": 1}");
        let mut c = Chunks::default();
        c.push(chunk.clone(), 0);
        assert_eq!(c.len(), 8);
        let body = c.into_bytes();
        assert_eq!(body.as_ptr(), chunk.as_ptr(), "copied");
    }

    #[test]
    fn several_chunks_are_joined_in_order() {
        let mut c = Chunks::default();
        for part in ["", "{\"a\"", ": ", "1}"] {
            c.push(Bytes::from(part), 3);
        }
        assert_eq!(c.len(), 8);
        assert_eq!(&c.into_bytes()[..], b"{\"a\": 1}");
        assert!(Chunks::default().into_bytes().is_empty());
    }
}
