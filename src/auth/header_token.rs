//! A static header token, as Dialogflow's custom webhook headers (`Authorization: Bearer ...`,
//! `X-Webhook-Token: ...`).

use actix_web::http::header::HeaderMap;

use super::{ct_eq, Rejection};
use crate::secret::Secret;

pub(super) fn verify(headers: &HeaderMap, name: &str, values: &[Secret]) -> Result<(), Rejection> {
    let got = headers.get(name).ok_or(Rejection::Missing)?.as_bytes();
    let mut ok = false;
    for v in values {
        ok |= ct_eq(got, v.expose().as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(Rejection::BadCredentials)
    }
}
