//! CloudWatch Logs as the server sees it: the generated trait implemented by the operations.

use nimbus_core::RequestContext;
use nimbus_protocol::{AwsError, JsonService, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::generated::logs::{self as gen, *};
use crate::ops::{events, groups, streams, tags};

/// CloudWatch Logs (`Logs_20140328`, awsJson1_1), over a store.
pub struct Logs {
    store: Store,
    spec: ServiceSpec,
}

impl Logs {
    pub fn new(store: Store) -> Logs {
        Logs {
            store,
            spec: ServiceSpec {
                name: "logs",
                protocol: Protocol::AwsJson1_1,
                signing_name: "logs",
                target_prefix: Some(gen::TARGET_PREFIX),
            },
        }
    }
}

impl JsonService for Logs {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        gen::dispatch(self, ctx, operation, body)
    }
}

macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty => $func:path;)*) => {
        $(
            fn $method(&self, ctx: &RequestContext, input: $input) -> Result<$output, AwsError> {
                $func(&self.store, ctx, input)
            }
        )*
    };
}

impl LogsApi for Logs {
    delegate! {
        create_log_group(CreateLogGroupRequest) -> () => groups::create;
        delete_log_group(DeleteLogGroupRequest) -> () => groups::delete;
        describe_log_groups(DescribeLogGroupsRequest) -> DescribeLogGroupsResponse => groups::describe;
        put_retention_policy(PutRetentionPolicyRequest) -> () => groups::put_retention;
        delete_retention_policy(DeleteRetentionPolicyRequest) -> () => groups::delete_retention;
        create_log_stream(CreateLogStreamRequest) -> () => streams::create;
        delete_log_stream(DeleteLogStreamRequest) -> () => streams::delete;
        describe_log_streams(DescribeLogStreamsRequest) -> DescribeLogStreamsResponse => streams::describe;
        put_log_events(PutLogEventsRequest) -> PutLogEventsResponse => events::put;
        get_log_events(GetLogEventsRequest) -> GetLogEventsResponse => events::get;
        filter_log_events(FilterLogEventsRequest) -> FilterLogEventsResponse => events::filter;
        tag_resource(TagResourceRequest) -> () => tags::tag_resource;
        untag_resource(UntagResourceRequest) -> () => tags::untag_resource;
        list_tags_for_resource(ListTagsForResourceRequest) -> ListTagsForResourceResponse => tags::list_for_resource;
        tag_log_group(TagLogGroupRequest) -> () => tags::tag_group;
        untag_log_group(UntagLogGroupRequest) -> () => tags::untag_group;
        list_tags_log_group(ListTagsLogGroupRequest) -> ListTagsLogGroupResponse => tags::list_group;
    }
}
