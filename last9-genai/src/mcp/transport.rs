//! The client's transport, seen as each request goes out: its JSON-RPC id
//! reaches the request's span (`ids`).

use std::borrow::Cow;
use std::future::Future;

use rmcp::service::{RoleClient, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;

use super::ids;

/// Any client transport, passed through.
pub(crate) struct SeenTransport<T>(pub(crate) T);

impl<T: Transport<RoleClient>> Transport<RoleClient> for SeenTransport<T> {
    type Error = T::Error;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        ids::sent(&item);
        self.0.send(item)
    }

    fn receive(&mut self) -> impl Future<Output = Option<RxJsonRpcMessage<RoleClient>>> + Send {
        self.0.receive()
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.0.close()
    }
}
