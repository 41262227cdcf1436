-- A targeted segment holding more than var max_segment_share of all customers is the whole shop,
-- not a target: its recommendation cannot be acted on. Returns the segments that are too big.
select
    segment_name,
    customers,
    customer_share
from {{ ref('segment_summary') }}
where
    segment_family = 'targeted'
    and customer_share > {{ var('max_segment_share') }}
