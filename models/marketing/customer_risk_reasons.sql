-- Every scored customer of customer_risk with their top reasons and context (customer_reasons;
-- null beyond the customers it explains): the one model every segment view and target list
-- selects from.
with

customers as (
    select * from {{ ref('customer_risk') }}
),

reasons as (
    select * from {{ ref('customer_reasons') }}
),

joined as (
    select
        customers.*,
        reasons.top_reason_1,
        reasons.top_reason_2,
        reasons.top_reason_3,
        reasons.reasons_ru,
        reasons.reasons_en,
        reasons.context_reasons,
        reasons.context_ru,
        reasons.context_en
    from customers
    left join reasons on customers.customer_id = reasons.customer_id
)

select * from joined
