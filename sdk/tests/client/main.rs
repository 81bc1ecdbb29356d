//! The client against a scripted fake of the service on 127.0.0.1.

mod calls;
#[cfg(feature = "material")]
mod identity;
mod login;
mod reliability;
mod replies;
mod single_flight;
mod support;
