//! The client against a scripted fake of the service on 127.0.0.1.

mod calls;
mod login;
mod reliability;
mod replies;
mod support;
