//! `Payload`: a caught panic, as every error that carries one holds it
//! (`JoinError`, `RemoteError`, a `TaskGroup`'s child error).

use std::any::Any;
use std::sync::{Mutex, PoisonError};

/// A panic's payload, `Sync` so that the errors holding it fit
/// `Box<dyn Error + Send + Sync>`: the `Mutex` makes it so with no `unsafe`
/// impl, and is only locked to read the message.
pub(crate) struct Payload(Mutex<Box<dyn Any + Send>>);

impl Payload {
    pub(crate) fn new(payload: Box<dyn Any + Send>) -> Payload {
        Payload(Mutex::new(payload))
    }

    /// The panic's message, when the payload is a string (as with
    /// `panic!`).
    pub(crate) fn message(&self) -> Option<String> {
        let payload = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        message(&**payload)
    }

    /// The message, or a placeholder for the reports that print one.
    pub(crate) fn describe(&self) -> String {
        self.message().unwrap_or_else(|| "(no message)".into())
    }

    /// The payload, to inspect or to resume with `resume_unwind`.
    pub(crate) fn into_inner(self) -> Box<dyn Any + Send> {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A panic payload's message, when it is a string (as with `panic!`).
pub(crate) fn message(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_str_and_string_payloads() {
        assert_eq!(Payload::new(Box::new("a")).message().as_deref(), Some("a"));
        let owned = Payload::new(Box::new(String::from("b")));
        assert_eq!(owned.describe(), "b");
        let other = Payload::new(Box::new(7_u8));
        assert_eq!(other.describe(), "(no message)");
        assert_eq!(other.into_inner().downcast_ref::<u8>(), Some(&7));
    }
}
