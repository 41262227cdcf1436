-- How the risk bands moved between this build's month and the previous month of the score
-- history (history.previous_month_scores): per band, the customers in it in each month, those
-- who entered it from another band or left it for another band, and those new this month or
-- gone since.
with

history as (
    select * from {{ ref('customer_score_history') }}
),

previous_month as (
    select * from {{ ref('previous_month_scores') }}
),

-- null when the history holds no earlier month
previous_month_name as (
    select max(month) as previous_month
    from previous_month
),

this_month as (
    select
        customer_id,
        risk_band
    from history
    where month = '{{ var("delivery_month") }}'
),

customers as (
    select
        coalesce(this_month.customer_id, previous_month.customer_id) as customer_id,
        this_month.risk_band as band_now,
        previous_month.risk_band as band_before
    from this_month
    full outer join previous_month on this_month.customer_id = previous_month.customer_id
),

bands as (
    select band_now as risk_band from customers
    where band_now is not null
    union
    select band_before as risk_band from customers
    where band_before is not null
),

movement as (
    select
        bands.risk_band,
        count(*) filter (where customers.band_now = bands.risk_band) as customers_now,
        count(*) filter (where customers.band_before = bands.risk_band) as customers_before,
        count(*) filter (
            where customers.band_now = bands.risk_band
            and customers.band_before <> bands.risk_band
        ) as entered,
        count(*) filter (
            where customers.band_before = bands.risk_band
            and customers.band_now <> bands.risk_band
        ) as left_band,
        count(*) filter (
            where customers.band_now = bands.risk_band
            and customers.band_before is null
        ) as new_customers,
        count(*) filter (
            where customers.band_before = bands.risk_band
            and customers.band_now is null
        ) as gone_customers
    from bands
    cross join customers
    group by bands.risk_band
),

labelled as (
    select
        '{{ var("delivery_month") }}' as score_month,
        previous_month_name.previous_month,
        movement.*
    from movement
    cross join previous_month_name
    -- riskiest first, in the order of var risk_bands
    order by
        case movement.risk_band
            {%- for band in var('risk_bands') %}
            when '{{ band }}' then {{ loop.index }}
            {%- endfor %}
            else {{ var('risk_bands') | length + 1 }}
        end
)

select * from labelled
