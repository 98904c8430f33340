//! A Streamable HTTP client for rmcp's client transport that tells each
//! request's span the JSON-RPC id and the session it was sent with.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_core::stream::BoxStream;
use http::{HeaderName, HeaderValue};
use rmcp::model::ClientJsonRpcMessage;
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
    StreamableHttpResponseLimits,
};
use sse_stream::Sse;

use super::ids;

/// Any [`StreamableHttpClient`] (rmcp's reqwest client, say), passed
/// through; as each request goes out, the span [`McpClient`](crate::McpClient)
/// made for it gets `jsonrpc.request.id` and `mcp.session.id`, which rmcp
/// decides only then.
///
/// ```no_run
/// # async fn run<C>(client: C) -> Result<(), Box<dyn std::error::Error>>
/// # where C: rmcp::transport::streamable_http_client::StreamableHttpClient + Send + Sync {
/// use rmcp::transport::StreamableHttpClientTransport;
/// use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
///
/// // `client`: rmcp's `reqwest::Client` (its feature
/// // `transport-streamable-http-client-reqwest`), or any HTTP client of yours.
/// let url = "http://127.0.0.1:8000/mcp";
/// let config = StreamableHttpClientTransportConfig::with_uri(url);
/// let transport = StreamableHttpClientTransport::with_client(last9_genai::McpHttpClient::new(client), config);
/// let client = last9_genai::McpClient::serve(transport).await?.over_http(url);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct McpHttpClient<C>(C);

impl<C: StreamableHttpClient> McpHttpClient<C> {
    /// Passes requests to `client`.
    ///
    /// ```
    /// # fn f<C: rmcp::transport::streamable_http_client::StreamableHttpClient>(client: C) {
    /// let http = last9_genai::McpHttpClient::new(client);
    /// # }
    /// ```
    pub fn new(client: C) -> Self {
        Self(client)
    }
}

type Posted<E> = Result<StreamableHttpPostResponse, StreamableHttpError<E>>;
type Streamed<E> = Result<BoxStream<'static, Result<Sse, SseError>>, StreamableHttpError<E>>;

impl<C: StreamableHttpClient> StreamableHttpClient for McpHttpClient<C> {
    type Error = C::Error;

    fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> impl Future<Output = Posted<Self::Error>> + Send + '_ {
        ids::posted(&message, session_id.as_deref());
        self.0
            .post_message(uri, message, session_id, auth_header, custom_headers)
    }

    fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> impl Future<Output = Posted<Self::Error>> + Send + '_ {
        ids::posted(&message, session_id.as_deref());
        self.0.post_message_with_max_sse_event_size(
            uri,
            message,
            session_id,
            auth_header,
            custom_headers,
            max_sse_event_size,
        )
    }

    fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> impl Future<Output = Posted<Self::Error>> + Send + '_ {
        ids::posted(&message, session_id.as_deref());
        self.0.post_message_with_response_limits(
            uri,
            message,
            session_id,
            auth_header,
            custom_headers,
            limits,
        )
    }

    fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> impl Future<Output = Result<(), StreamableHttpError<Self::Error>>> + Send + '_ {
        self.0
            .delete_session(uri, session_id, auth_header, custom_headers)
    }

    fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> impl Future<Output = Streamed<Self::Error>> + Send + '_ {
        self.0
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
    }

    fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> impl Future<Output = Streamed<Self::Error>> + Send + '_ {
        self.0.get_stream_with_max_sse_event_size(
            uri,
            session_id,
            last_event_id,
            auth_header,
            custom_headers,
            max_sse_event_size,
        )
    }
}
