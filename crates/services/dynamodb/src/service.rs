//! The DynamoDB and DynamoDB Streams services: the generated operation traits implemented by
//! delegating to the operation families in [`crate::ops`] and [`crate::streams::api`].

use nimbus_core::RequestContext;
use nimbus_protocol::{AwsError, JsonService, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::generated::dynamodb::{self as ddb, *};
use crate::generated::streams::{self as st, DynamoDbStreamsApi};
use crate::ops;
use crate::streams::api;

/// DynamoDB (`DynamoDB_20120810`), over a store.
pub struct DynamoDb {
    store: Store,
    spec: ServiceSpec,
}

impl DynamoDb {
    pub fn new(store: Store) -> DynamoDb {
        DynamoDb {
            store,
            spec: ServiceSpec {
                name: "dynamodb",
                protocol: Protocol::AwsJson1_0,
                signing_name: "dynamodb",
                target_prefix: Some(ddb::TARGET_PREFIX),
            },
        }
    }
}

impl JsonService for DynamoDb {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        ddb::dispatch(self, ctx, operation, body)
    }

    fn checksum_header(&self) -> bool {
        true
    }
}

/// Implements a generated trait method by calling an operation function with the store.
macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty => $func:path;)*) => {
        $(
            fn $method(&self, ctx: &RequestContext, input: $input) -> Result<$output, AwsError> {
                $func(&self.store, ctx, input).map_err(Into::into)
            }
        )*
    };
}

impl DynamoDbApi for DynamoDb {
    delegate! {
        create_table(CreateTableInput) -> CreateTableOutput => ops::tables::create_table;
        describe_table(DescribeTableInput) -> DescribeTableOutput => ops::tables::describe_table;
        list_tables(ListTablesInput) -> ListTablesOutput => ops::tables::list_tables;
        update_table(UpdateTableInput) -> UpdateTableOutput => ops::table_update::update_table;
        delete_table(DeleteTableInput) -> DeleteTableOutput => ops::tables::delete_table;
        put_item(PutItemInput) -> PutItemOutput => ops::items::put_item;
        get_item(GetItemInput) -> GetItemOutput => ops::items::get_item;
        delete_item(DeleteItemInput) -> DeleteItemOutput => ops::items::delete_item;
        update_item(UpdateItemInput) -> UpdateItemOutput => ops::items::update_item;
        batch_get_item(BatchGetItemInput) -> BatchGetItemOutput => ops::batch::batch_get_item;
        batch_write_item(BatchWriteItemInput) -> BatchWriteItemOutput => ops::batch::batch_write_item;
        transact_write_items(TransactWriteItemsInput) -> TransactWriteItemsOutput => ops::transact::transact_write_items;
        transact_get_items(TransactGetItemsInput) -> TransactGetItemsOutput => ops::transact::transact_get_items;
        describe_limits(DescribeLimitsInput) -> DescribeLimitsOutput => ops::account::describe_limits;
        describe_continuous_backups(DescribeContinuousBackupsInput) -> DescribeContinuousBackupsOutput => ops::account::describe_continuous_backups;
        update_continuous_backups(UpdateContinuousBackupsInput) -> UpdateContinuousBackupsOutput => ops::account::update_continuous_backups;
        query(QueryInput) -> QueryOutput => ops::query::query;
        scan(ScanInput) -> ScanOutput => ops::scan::scan;
        update_time_to_live(UpdateTimeToLiveInput) -> UpdateTimeToLiveOutput => ops::ttl::update_time_to_live;
        describe_time_to_live(DescribeTimeToLiveInput) -> DescribeTimeToLiveOutput => ops::ttl::describe_time_to_live;
        tag_resource(TagResourceInput) -> () => ops::tags::tag_resource;
        untag_resource(UntagResourceInput) -> () => ops::tags::untag_resource;
        list_tags_of_resource(ListTagsOfResourceInput) -> ListTagsOfResourceOutput => ops::tags::list_tags_of_resource;
    }
}

/// DynamoDB Streams (`DynamoDBStreams_20120810`), reading the records DynamoDB writes.
pub struct DynamoDbStreams {
    store: Store,
    spec: ServiceSpec,
}

impl DynamoDbStreams {
    pub fn new(store: Store) -> DynamoDbStreams {
        DynamoDbStreams {
            store,
            spec: ServiceSpec {
                name: "dynamodbstreams",
                protocol: Protocol::AwsJson1_0,
                signing_name: "dynamodb",
                target_prefix: Some(st::TARGET_PREFIX),
            },
        }
    }
}

impl JsonService for DynamoDbStreams {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        operation: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        st::dispatch(self, ctx, operation, body)
    }
}

impl DynamoDbStreamsApi for DynamoDbStreams {
    delegate! {
        list_streams(st::ListStreamsInput) -> st::ListStreamsOutput => api::list_streams;
        describe_stream(st::DescribeStreamInput) -> st::DescribeStreamOutput => api::describe_stream;
        get_shard_iterator(st::GetShardIteratorInput) -> st::GetShardIteratorOutput => api::get_shard_iterator;
        get_records(st::GetRecordsInput) -> st::GetRecordsOutput => api::get_records;
    }
}
